"""Writing many rows at once: ``COPY`` on PostgreSQL, one ``executemany`` on SQLite.

For loads of history (the demo district, at hundreds of thousands of tickets) where the
ORM's bulk insert spends most of its time building statements. The rows are plain dicts
keyed by column name; JSON columns take Python values and encrypted columns plain text,
as through the ORM (``COPY`` applies the columns' own conversions). The caller owns the
transaction: the rows are written on the session's connection and committed
with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, TypeDecorator, insert
from sqlalchemy.orm import Session


def write_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with every column to write, the same keys in each) into
    ``table`` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    converted = {
        c: table.c[c].type.bind_processor(connection.dialect)
        for c in columns
        if isinstance(table.c[c].type, TypeDecorator)
    }
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_value(row[c], c in as_json, converted.get(c)) for c in columns])


def _value(value: Any, as_json: bool, convert: Any) -> Any:
    if value is None:
        return None
    if as_json:
        return _json(value)
    return convert(value) if convert is not None else value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
