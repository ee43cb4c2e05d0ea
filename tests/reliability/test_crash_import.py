"""An import killed mid-write leaves nothing behind; running it again imports it once.

``hotline import tickets`` promises all rows or none (services/tickets/imports.py): every
row is checked, then all are written in one transaction. The test waits until the
import is *inside* that write transaction (it holds SQLite's write lock, or a row
lock on ``tickets`` in PostgreSQL), kills it with SIGKILL, and checks that none of
its rows is in the database and the database is sound. Running the same file again
(the operator's "resume") then imports every row exactly once, each ticket with a
history whose replay equals its projection.

A file is imported once: the import records the file's SHA-256 (``import_batches``,
unique) in the transaction of its tickets. So an operator who does not know whether
a killed import committed simply runs it again: a third run of the completed file is
refused (``import.already_imported``, non-zero exit) and writes nothing, and two
processes importing the same file at the same moment write it once.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.reliability import serverproc as sp

pytestmark = pytest.mark.slow

N_ROWS = 3000  # a write transaction of about a second even on a fast machine
MARK = "导入崩溃测试"


def _write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["诉求内容", "事发地址", "诉求类型", "受理时间", "承办单位"])
        for i in range(N_ROWS):
            out.writerow(
                [f"{MARK} {i:05d}：某路段路灯不亮", "白云区景泰街道", "求助",
                 "2026-10-12 09:30", "jingtai"]
            )  # fmt: skip


def _writing_sqlite(db_url: str) -> bool:
    """True while another connection holds SQLite's write lock (the import's transaction)."""
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def _writing_postgres(db_url: str) -> bool:
    """True while another backend holds a write lock on ``tickets`` (an open INSERT)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'tickets' AND l.mode = 'RowExclusiveLock' "
                    "AND l.pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return bool(held)


def _import(env: dict[str, str], path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sp.HOTLINE, "import", "tickets", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _count(db_url: str) -> int:
    from hotline.store.models import Ticket

    with sp.database(db_url) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.content.like(f"{MARK}%"))
            )
        )


def _batches(db_url: str) -> list[tuple[str, int]]:
    """(file name, rows) of every import recorded."""
    from hotline.store.models import ImportBatch

    query = select(ImportBatch.file_name, ImportBatch.row_count)
    with sp.database(db_url) as session:
        return [(name, rows) for name, rows in session.execute(query)]


def _refused_as_imported(returncode: int, err: bytes) -> bool:
    message = err.decode()
    return (
        returncode != 0
        and "import.already_imported" in message
        and f"（{N_ROWS:,} 张工单），未重复导入" in message
    )


def _ready(db_url: str, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A migrated database, the importer's environment and the 3,000-row file to import."""
    sp.prepare(db_url, {})
    path = tmp_path / "tickets.csv"
    _write_csv(path)
    return sp.server_env(db_url, tmp_path), path


def test_sigkill_mid_import_leaves_nothing_and_a_rerun_imports_once(
    db_url: str, tmp_path: Path
) -> None:
    env, path = _ready(db_url, tmp_path)
    writing = _writing_sqlite if db_url.startswith("sqlite") else _writing_postgres

    proc = _import(env, path)
    deadline = time.monotonic() + 120
    while not writing(db_url):
        assert proc.poll() is None, "the import ended before it was seen writing"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # some hundreds of rows into the transaction: on a fast machine (10 M Python additions
    # in 0.45 s) 1,500 rows were written within 0.3-1.0 s, and the kill came after the
    # commit one run in three
    time.sleep(random.uniform(0.05, 0.3))
    assert proc.poll() is None, "the import finished before the kill; use more rows"
    assert writing(db_url), "the import is not inside its write transaction any more"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert _count(db_url) == 0  # all or none: none
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    rerun = _import(env, path)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert f"新建工单 {N_ROWS} 张" in out.decode()
    assert _count(db_url) == N_ROWS

    third = _import(env, path)  # the completed file, once more
    _out, err = third.communicate(timeout=300)
    assert _refused_as_imported(third.returncode, err), err.decode()
    assert _count(db_url) == N_ROWS
    assert _batches(db_url) == [("tickets.csv", N_ROWS)]

    from hotline.store.models import Ticket

    with sp.database(db_url) as session:
        rows = session.execute(
            select(Ticket.id, Ticket.content).where(Ticket.content.like(f"{MARK}%"))
        ).all()
        assert len({content for _id, content in rows}) == N_ROWS  # each row once
        histories = sp.check_histories(session, [ticket_id for ticket_id, _ in rows])
    assert all(actions == ["dispatch"] for actions in histories.values())


def test_two_processes_importing_one_file_at_once_write_it_once(
    db_url: str, tmp_path: Path
) -> None:
    env, path = _ready(db_url, tmp_path)

    procs = [_import(env, path), _import(env, path)]
    ends = [(proc.communicate(timeout=300), proc.returncode) for proc in procs]

    imported = [out for (out, _err), code in ends if code == 0]
    refused = [err for (_out, err), code in ends if _refused_as_imported(code, err)]
    assert len(imported) == 1 and len(refused) == 1, ends
    assert f"新建工单 {N_ROWS} 张" in imported[0].decode()
    assert _count(db_url) == N_ROWS
    assert _batches(db_url) == [("tickets.csv", N_ROWS)]
