"""The learning loop: returns and re-dispatches become labels, and retraining listens.

A new kind of matter (shared bikes blocking an estate gate) is first handled by the
城管局; then the 城管局 starts returning such tickets and the dispatcher sends them to
the 交通运输局, which signs for them. After retraining from the database the machine
proposes the 交通运输局 for that kind of text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.demo.loader import build_demo
from hotline.domain.tickets import Actor, Role
from hotline.intel.registry import ModelRegistry
from hotline.schemas import TicketCreate
from hotline.services.dispatch.training import labelled_tickets, train_dispatch
from hotline.services.tickets.lifecycle import act, intake

pytestmark = pytest.mark.slow
OP = Actor("op", Role.OPERATOR)
DISP = Actor("disp", Role.DISPATCHER)
PLACES = ["金沙洲", "三元里", "同和", "京溪", "嘉禾", "太和", "人和", "江高"]
TEXT = "市民反映{place}某小区门口共享单车乱停放，堵住出入口，第{n}次反映，要求清理共享单车。"


def _bike_tickets(
    session: Session, start: datetime, count: int, first: str, final: str | None
) -> None:
    for n in range(count):
        at = start + timedelta(minutes=7 * n)
        ticket, _ = intake(
            session=session,
            now=at,
            actor=OP,
            ticket_in=TicketCreate(
                content=TEXT.format(place=PLACES[n % len(PLACES)], n=n + 1), type="complaint"
            ),
        )
        act(
            session=session,
            ticket=ticket,
            action="dispatch",
            data={"unit": first},
            actor=DISP,
            now=at,
        )
        if final is not None:
            holder = Actor(first, Role.UNIT, first)
            act(
                session=session,
                ticket=ticket,
                action="request_return",
                data={"reason": "共享单车由交通部门监管"},
                actor=holder,
                now=at,
            )
            act(
                session=session, ticket=ticket, action="approve_return", data={}, actor=DISP, now=at
            )
            act(
                session=session,
                ticket=ticket,
                action="dispatch",
                data={"unit": final},
                actor=DISP,
                now=at,
            )
        signer = final or first
        act(
            session=session,
            ticket=ticket,
            action="sign",
            data={},
            actor=Actor(signer, Role.UNIT, signer),
            now=at + timedelta(minutes=3),
        )


def _proposal(models: Path) -> str:
    model = ModelRegistry(models, "dispatch").load_promoted()
    return model.suggest(TEXT.format(place="附近", n=1)).unit


def test_returns_become_labels_and_retraining_changes_the_decision(
    session: Session, tmp_path: Path
) -> None:
    build_demo(session=session, n_tickets=1200, seed=21)
    _bike_tickets(session, datetime(2026, 11, 27, 10), 40, "urban", None)
    first = train_dispatch(session=session, models_dir=tmp_path)
    assert first.promoted and _proposal(tmp_path) == "urban"

    _bike_tickets(session, datetime(2026, 11, 28, 10), 120, "urban", "transport")
    labels = labelled_tickets(session).labels
    assert labels[-1] == "transport"  # the return and re-dispatch made the label
    second = train_dispatch(session=session, models_dir=tmp_path)
    assert second.promoted, second.why_not
    assert _proposal(tmp_path) == "transport"
    assert ModelRegistry(tmp_path, "dispatch").promoted().version == second.version
