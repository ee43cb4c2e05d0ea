"""Smart dispatch (智能转派): the suggestion at intake, 秒派, and training from history."""
