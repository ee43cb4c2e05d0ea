"""The API fixtures (``client``, ``people``) for the analysis endpoint tests."""

from tests.api.conftest import client, people

__all__ = ["client", "people"]
