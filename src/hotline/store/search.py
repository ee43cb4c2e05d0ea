"""The ticket search index on PostgreSQL: each ticket's character bigrams, kept by a trigger.

A search word (``q`` of a ticket list) is matched as a substring of the content or the
address. Chinese has no spaces to cut words at, so a plain index cannot help and a
substring match read every ticket: 11 ms per count at 13,000 tickets, and growing with
every year of history. Here each ticket's text is cut into overlapping pairs of
characters (``路灯不亮`` → 路灯, 灯不, 不亮) kept in ``ticket_search`` with a GIN index; the
tickets holding every pair of the word are found in the index, then the substring match
confirms them (the pairs can occur apart). A one-character word has no pair and still
reads every ticket. A trigger on ``tickets`` keeps the pairs in line with the text in the
same transaction as the change, so an intake, an import or an edit is found at once.

SQLite keeps the substring match alone (an embedded deployment is small).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, and_, column, or_, select, table, union
from sqlalchemy.dialects.postgresql import ARRAY

from hotline.store.models import Ticket

#: The index table (PostgreSQL only: created by migration 0006, not by the models).
SEARCH_TABLE = "ticket_search"
ticket_search = table(SEARCH_TABLE, column("ticket_id", Integer), column("bigrams", ARRAY(Text)))


def bigrams(word: str) -> list[str]:
    """The distinct overlapping pairs of characters of ``word`` (none for one character)."""
    return sorted({word[i : i + 2] for i in range(len(word) - 1)})


def text_match(word: str, dialect: str) -> ColumnElement[bool]:
    """Tickets whose number or caller's phone is ``word``, or whose content or address
    holds it (``%`` and ``_`` are matched as themselves)."""
    matches = or_(
        Ticket.number == word,
        Ticket.caller_phone == word,
        Ticket.content.contains(word, autoescape=True),
        Ticket.address.contains(word, autoescape=True),
    )
    pairs = bigrams(word)
    if dialect != "postgresql" or not pairs:
        return matches
    candidates: Any = union(
        select(ticket_search.c.ticket_id).where(ticket_search.c.bigrams.contains(pairs)),
        select(Ticket.id).where(Ticket.number == word),
        select(Ticket.id).where(Ticket.caller_phone == word),
    )
    return and_(Ticket.id.in_(candidates), matches)
