"""The audit log's chain: each entry carries the hash of the one before it; an entry edited,
removed or slipped in is named by ``verify``; concurrent writers never fork the chain;
pruning keeps at least six months and leaves a chain that still verifies."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain import audit as chain
from hotline.domain.tickets import Actor, Role
from hotline.services.admin import audit
from hotline.store.db import session_factory
from hotline.store.models import AuditEntry

ADMIN = Actor("root", Role.ADMIN)
T0 = datetime(2026, 1, 5, 9, 0)


def _write(session: Session, n: int, start: datetime = T0) -> None:
    for i in range(n):
        audit.record(
            session=session,
            actor=ADMIN,
            action="export_tickets",
            detail={"rows": i, "filters": {"q": "噪音"}},
            at=start + timedelta(days=i),
        )


def test_entries_are_chained_and_verify(session: Session) -> None:
    _write(session, 5)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert rows[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    verdict = audit.verify(session)
    assert verdict.ok and verdict.checked == 5 and verdict.last_id == rows[-1].id


@pytest.mark.parametrize(
    ("change", "broken_at"),
    [
        (lambda s, ids: s.execute(  # a detail edited
            update(AuditEntry).where(AuditEntry.id == ids[2]).values(detail={"rows": 999})
        ), 2),
        (lambda s, ids: s.execute(  # who did it, rewritten
            update(AuditEntry).where(AuditEntry.id == ids[1]).values(username="someone")
        ), 1),
        (lambda s, ids: s.execute(  # an entry removed from the middle: the next one breaks
            text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]}
        ), 3),
        (lambda s, ids: s.execute(  # the oldest removed, with no pruning to account for it
            text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[0]}
        ), 1),
    ],
)  # fmt: skip
def test_verify_names_the_first_broken_entry(session: Session, change, broken_at: int) -> None:  # type: ignore[no-untyped-def]
    _write(session, 5)
    ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    change(session, ids)
    session.commit()
    verdict = audit.verify(session)
    assert not verdict.ok and verdict.broken is not None
    assert verdict.broken.entry_id == ids[broken_at]
    assert verdict.broken.reason


def test_an_entry_slipped_in_with_a_recomputed_hash_still_breaks_the_chain(
    session: Session,
) -> None:
    _write(session, 3)
    forged = {"at": T0, "username": "x", "role": "admin", "action": "export_tickets",
              "detail": {}, "client": None, "request_id": None}  # fmt: skip
    session.add(AuditEntry(**forged, prev_hash="f" * 64, hash=chain.entry_hash("f" * 64, forged)))
    _write(session, 1, start=T0 + timedelta(days=10))
    verdict = audit.verify(session)
    assert not verdict.ok and verdict.broken is not None
    assert verdict.broken.entry_id == 4


def test_concurrent_writers_never_fork_the_chain(engine: Engine) -> None:
    sessions = session_factory(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with sessions() as session:
                for i in range(15):
                    audit.record(session=session, actor=ADMIN, action="caller.view",
                                 detail={"writer": n, "i": i})  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with sessions() as session:
        prevs = list(session.scalars(select(AuditEntry.prev_hash)))
        assert len(prevs) == 60 and len(set(prevs)) == 60  # no two entries follow the same one
        assert audit.verify(session).ok


def test_prune_keeps_the_retention_and_the_chain_verifies(session: Session) -> None:
    _write(session, 10)  # one entry a day from T0
    now = T0 + timedelta(days=200)
    done = audit.prune(session=session, actor=ADMIN, keep_days=195, now=now)
    assert done["removed"] == 5  # older than now - 195 days = T0 + 5 days
    kept = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.detail.get("rows") for e in kept[:-1]] == [5, 6, 7, 8, 9]
    anchor = kept[-1]
    assert anchor.action == chain.PRUNE and anchor.username == "root"
    assert anchor.detail["through_hash"] == kept[0].prev_hash
    assert audit.verify(session).ok
    # nothing older left: pruning again writes nothing
    assert audit.prune(session=session, actor=ADMIN, keep_days=195, now=now)["removed"] == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 6


def test_prune_everything_old_still_leaves_a_verifiable_anchor(session: Session) -> None:
    _write(session, 3)
    audit.prune(session=session, actor=ADMIN, keep_days=200, now=T0 + timedelta(days=400))
    rows = session.scalars(select(AuditEntry)).all()
    assert [r.action for r in rows] == [chain.PRUNE]
    assert audit.verify(session).ok


def test_the_retention_is_at_least_six_months() -> None:
    assert Settings().audit_retention_days >= 184
    with pytest.raises(ValidationError):
        Settings(audit_retention_days=90)


def test_cli_verify_and_prune(cli_env) -> None:  # type: ignore[no-untyped-def]
    from hotline.cli import main
    from hotline.cli.ops import _sessions, prepare_database

    prepare_database()
    with _sessions()() as session:
        _write(session, 3)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "完整：3 条" in ok.output
    with _sessions()() as session:
        session.execute(update(AuditEntry).where(AuditEntry.id == 2).values(action="x"))
        session.commit()
    bad = runner.invoke(main, ["audit", "verify"])
    assert bad.exit_code == 1 and "#2" in bad.output
    refused = runner.invoke(main, ["audit", "prune", "--keep-days", "30"])
    assert refused.exit_code != 0
    done = runner.invoke(main, ["audit", "prune", "--keep-days", "200"])
    assert done.exit_code == 0, done.output
    with _sessions()() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last is not None and last.action == chain.PRUNE
        assert last.username.startswith("cli:")
