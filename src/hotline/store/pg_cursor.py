"""A psycopg cursor that describes each shape of result once per connection.

SQLAlchemy reads ``cursor.description`` after every statement, and psycopg builds it
anew each time: one ``Column`` object per column, in Python (a ticket row has 40
columns). On the hot routes that was 6-9 % of a request's CPU in process (a detail, a
sign). The description depends only on what the result says of its columns (name,
type, modifier, size) and on the connection (its encoding and type adapters), so this
cursor keeps the columns built for each shape seen on its connection and hands out a
copy of the list. A result of another shape (another statement, or the same one after
a migration changed a column) is described afresh.
"""

from __future__ import annotations

import weakref
from typing import Any

from psycopg import Connection, Cursor
from psycopg.pq import ExecStatus

#: Distinct shapes kept per connection; past it the cache starts over (the app has a few
#: dozen statements: only hand-written queries in a long-lived connection could grow it).
MAX_SHAPES = 512

_Shape = tuple[tuple[bytes | None, int, int, int], ...]
_described: weakref.WeakKeyDictionary[Connection[Any], dict[_Shape, list[Any]]] = (
    weakref.WeakKeyDictionary()
)


class DescribedOnceCursor(Cursor[Any]):
    """``psycopg.Cursor`` whose ``description`` is built once per result shape."""

    __slots__ = ()

    @property
    def description(self) -> list[Any] | None:
        res = self.pgresult
        if res is None or not res.nfields or res.status == ExecStatus.COPY_OUT:
            return super().description  # no columns, or COPY's unnamed ones: as psycopg
        shape: _Shape = tuple(
            (res.fname(i), res.ftype(i), res.fmod(i), res.fsize(i)) for i in range(res.nfields)
        )
        shapes = _described.setdefault(self.connection, {})
        columns = shapes.get(shape)
        if columns is None:
            columns = super().description or []
            if len(shapes) >= MAX_SHAPES:
                shapes.clear()
            shapes[shape] = columns
        return list(columns)


def shapes_kept(connection: Connection[Any]) -> int:
    """How many result shapes ``connection``'s cursors have described (for tests)."""
    return len(_described.get(connection, {}))
