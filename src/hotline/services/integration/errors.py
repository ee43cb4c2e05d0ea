"""The integration's refusals, each carrying its HTTP status (``status``) like the
domain's error classes."""

from __future__ import annotations

from hotline.domain.errors import DomainError


class ClientKeyRefused(DomainError):
    """No client key, or not an active client's (401)."""

    status = 401


class NotKnown(DomainError):
    """No such subscription or client (404)."""

    status = 404


class AlreadyThere(DomainError):
    """A client of that name exists (409)."""

    status = 409


class BadSetting(DomainError):
    """A subscription or client that breaks a rule: its URL, secret, events, scopes (422)."""

    status = 422
