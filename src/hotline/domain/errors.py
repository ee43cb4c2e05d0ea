"""Domain errors: a stable code, a readable (Chinese) message, and a kind.

The kind is the error's class, and the class carries the HTTP status the API and the
console answer with (``status``): a refusal is raised as :class:`NotFound`,
:class:`Forbidden`, :class:`Unauthorized`, :class:`Throttled`, :class:`Invalid` or
:class:`Conflict` (or one of their subclasses), never told apart by its code's prefix.
A plain :class:`DomainError` is a request the hotline refuses for another reason (400).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the hotline refused something.

    ``code`` is stable (used by the API and tests); ``message`` is for people (Chinese).
    """

    status = 400

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class NotFound(DomainError):
    """What was asked for does not exist, or is not the asker's to see (404)."""

    status = 404


class Unauthorized(DomainError):
    """Who is asking is unknown: no, a wrong or an expired credential (401)."""

    status = 401


class Forbidden(DomainError):
    """The actor's role or unit may not do this (403)."""

    status = 403


class Conflict(DomainError):
    """The request clashes with the current state: a ticket's status, an existing name (409)."""

    status = 409


class Invalid(DomainError):
    """The request's content breaks a rule: a missing field, a bad value or file (422)."""

    status = 422


class Throttled(DomainError):
    """Too many attempts; try again later (429)."""

    status = 429


class InvalidTransition(Conflict):
    """The action is not allowed in the ticket's current status."""


class MissingField(Invalid):
    """The action lacks something it needs (a reason, a unit, a satisfaction…)."""
