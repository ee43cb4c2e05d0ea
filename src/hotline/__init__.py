"""hotline — 12345 热线智慧办理系统 (smart handling system for a district 12345 hotline)."""

__version__ = "0.1.0"
