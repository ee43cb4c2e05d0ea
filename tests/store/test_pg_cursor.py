"""The PostgreSQL cursor describes each result shape once, and never a stale shape."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, text

from hotline.store.pg_cursor import DescribedOnceCursor, shapes_kept

pytestmark = pytest.mark.postgres


def _described(cursor: psycopg.Cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return [tuple(column) for column in cursor.description or []]


def test_the_engine_hands_out_the_describing_cursor(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection.cursor(), DescribedOnceCursor)


def test_a_description_equals_psycopgs_and_is_built_once_per_shape(pg_engine: Engine) -> None:
    sql = "SELECT 1::int AS n, 'x'::varchar(20) AS name, now() AS at, NULL::numeric(8,2) AS x"
    with pg_engine.connect() as conn:
        raw = conn.connection.driver_connection
        plain = psycopg.Cursor(raw)
        expected = _described(plain, sql)
        cursor = raw.cursor()
        before = shapes_kept(raw)
        assert _described(cursor, sql) == expected
        assert [c.name for c in cursor.description] == ["n", "name", "at", "x"]
        assert _described(cursor, sql) == expected
        assert shapes_kept(raw) == before + 1  # the second run reused the first's columns
        cursor.description.clear()  # a caller's list is its own copy
        assert _described(cursor, sql) == expected


def test_a_column_changed_by_a_migration_is_described_afresh(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE shape_probe (v integer)"))
        cursor = conn.connection.driver_connection.cursor()
        assert [c.type_code for c in _description(cursor)] == [23]  # int4
        conn.execute(text("ALTER TABLE shape_probe ALTER COLUMN v TYPE varchar(10)"))
        [column] = _description(cursor)
        assert column.type_code == 1043  # varchar
        assert column.display_size == 10


def _description(cursor: psycopg.Cursor) -> list:
    cursor.execute("SELECT v FROM shape_probe")
    return cursor.description or []


def test_statements_without_rows_have_no_description(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("CREATE TEMP TABLE quiet (v integer)")
        assert cursor.description is None
        cursor.execute("INSERT INTO quiet VALUES (1)")
        assert cursor.description is None
        cursor.execute("SELECT")  # tuples, no columns: as psycopg
        assert cursor.description == []
