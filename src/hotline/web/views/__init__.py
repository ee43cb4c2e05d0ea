"""The console's pages, one module per role or page; each exports ``router``."""
