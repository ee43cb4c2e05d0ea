"""Routers of /api/v1."""
