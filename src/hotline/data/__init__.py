"""Data shipped with hotline: the default unit directory and category tree."""
