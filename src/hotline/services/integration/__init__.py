"""Integration with the systems around the hotline: the event feed and its webhooks, the
municipal 12345 platform's inbound tickets and client keys, Open311 GeoReport v2."""
