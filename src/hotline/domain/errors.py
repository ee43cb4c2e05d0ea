"""One domain error type with a stable code and a readable (Chinese) message."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the hotline refused something.

    ``code`` is stable (used by the API and tests); ``message`` is for people (Chinese).
    """

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class InvalidTransition(DomainError):
    """The action is not allowed in the ticket's current status."""


class Forbidden(DomainError):
    """The actor's role or unit may not do this."""


class MissingField(DomainError):
    """The action lacks something it needs (a reason, a unit, a satisfaction…)."""
