"""Revision 0020 encrypts the personal data already in a database, and its downgrade
gives it back in clear."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from hotline.cache import invalidate_all
from hotline.config import Settings
from hotline.store.crypto import ring_of
from hotline.store.db import make_engine
from hotline.store.migrate import upgrade

AT = datetime(2026, 11, 2, 9, 30)
CALLERS = [(f"王{i}", f"1350000{i:04d}") for i in range(5)] + [(None, None)]


@pytest.fixture
def engine_0019(db_url: str, settings: Settings) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine, "0019", settings=settings)
    invalidate_all()
    yield engine
    invalidate_all()
    engine.dispose()


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        for i, (name, phone) in enumerate(CALLERS, start=1):
            conn.execute(
                text(
                    "INSERT INTO tickets (id, number, channel, caller_name, caller_phone, "
                    "content, type, urgency, created_at, created_by, status, auto_dispatched, "
                    "state, event_count, confidential, needs_reply) VALUES (:id, :number, "
                    "'phone', :name, :phone, '路灯不亮', 'complaint', 'normal', :at, 'op', "
                    "'pending_dispatch', false, '{}', 0, false, true)"
                ),
                {"id": i, "number": f"BY{i:04d}", "name": name, "phone": phone, "at": AT},
            )
        conn.execute(
            text(
                "INSERT INTO caller_flags (id, phone, reason, until, status, proposed_by, "
                "proposed_at) VALUES (1, '13500000001', '辱骂', '2026-12-31', 'approved', "
                "'disp', :at)"
            ),
            {"at": AT},
        )


def _rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT caller_name, caller_phone FROM tickets ORDER BY id"))
        ]


def test_the_upgrade_encrypts_existing_callers_and_the_downgrade_restores_them(
    engine_0019: Engine, settings: Settings
) -> None:
    _fill(engine_0019)
    upgrade(engine_0019, settings=settings)
    ring = ring_of(settings)
    stored = _rows(engine_0019)
    assert not any(phone in str(stored) for _, phone in CALLERS if phone)
    assert stored[-1] == (None, None)
    for (name, phone), (name_c, phone_c) in zip(CALLERS[:-1], stored, strict=False):
        assert ring.decrypt(name_c, "tickets.caller_name") == name
        assert ring.decrypt(phone_c, "tickets.caller_phone") == phone
    with engine_0019.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT caller_phone_hash FROM tickets"))]
        flag = conn.execute(text("SELECT phone, phone_hash FROM caller_flags")).one()
    assert ring.phone_hash("13500000003") in hashes
    assert flag[1] == ring.phone_hash("13500000001") and "13500000001" not in flag[0]

    upgrade_to = "0019"
    from alembic import command

    from hotline.store.migrate import alembic_config

    config = alembic_config(engine_0019.url.render_as_string(hide_password=False))
    with engine_0019.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, upgrade_to)
    assert _rows(engine_0019) == CALLERS
