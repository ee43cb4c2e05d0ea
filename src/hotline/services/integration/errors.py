"""The integration's refusals: the domain's kinds of error (and so their HTTP status),
named for what the integration refuses."""

from __future__ import annotations

from hotline.domain.errors import Conflict, Invalid, NotFound, Unauthorized


class ClientKeyRefused(Unauthorized):
    """No client key, or not an active client's (401)."""


class NotKnown(NotFound):
    """No such subscription or client (404)."""


class AlreadyThere(Conflict):
    """A client of that name exists (409)."""


class BadSetting(Invalid):
    """A subscription or client that breaks a rule: its URL, secret, events, scopes (422)."""
