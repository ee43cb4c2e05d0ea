"""The smart parts of the hotline (智能): text, places, dispatch and the model registry."""
