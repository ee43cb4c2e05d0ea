"""The pure core of the hotline: life cycle, calendar, limits, indicators (no web, no DB)."""
