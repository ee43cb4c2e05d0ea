"""A ticket's search terms as PostgreSQL text search values (see hotline.domain.search).

The bigrams are stored as a ``tsvector`` under a GIN index and looked up with a
``tsquery`` that wants every bigram of the term; neither goes through a text search
configuration, so nothing is stemmed or dropped: a pair is a lexeme as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from hotline.domain.search import bigrams


def kept_by(session: Session) -> bool:
    """Whether the database keeps search terms: PostgreSQL does; SQLite reads the texts."""
    return session.get_bind().dialect.name == "postgresql"


def _lexeme(pair: str) -> str:
    return "'" + pair.replace("\\", "\\\\").replace("'", "''") + "'"


def terms_of(content: str | None, address: str | None) -> str:
    """The ``tsvector`` text of a ticket: every bigram of its content and its address."""
    return " ".join(_lexeme(p) for p in bigrams(f"{content or ''}\n{address or ''}"))


def query_of(pairs: Iterable[str]) -> str:
    """The ``tsquery`` text wanting every one of ``pairs``."""
    return " & ".join(_lexeme(p) for p in pairs)
