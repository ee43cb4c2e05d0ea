"""A handling unit's user sees only its own unit's tickets (单位只看本单位工单): one rule,
``unit_scope``, that every list, detail, count, analysis and action asks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.domain.tickets import (
    Action,
    Actor,
    Role,
    Status,
    TicketState,
    TicketType,
    Urgency,
    may,
    unit_scope,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "hotline"


@pytest.mark.parametrize(
    ("actor", "scope"),
    [
        (Actor("u1", Role.UNIT, "jingtai"), "jingtai"),
        (Actor("u2", Role.UNIT, None), ""),  # a unit user without a unit sees no ticket
        (Actor("op1", Role.OPERATOR), None),
        (Actor("disp1", Role.DISPATCHER), None),
        (Actor("sup1", Role.SUPERVISOR), None),
        (Actor("leader1", Role.LEADER), None),
        (Actor("admin", Role.ADMIN), None),
    ],
)
def test_a_unit_user_is_kept_to_its_unit_and_everyone_else_sees_all(
    actor: Actor, scope: str | None
) -> None:
    assert unit_scope(actor) == scope


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (Actor("u1", Role.UNIT, "jingtai"), True),
        (Actor("u2", Role.UNIT, "shimen"), False),
        (Actor("u3", Role.UNIT, None), False),
        (Actor("op1", Role.OPERATOR), True),
        (Actor("leader1", Role.LEADER), False),
    ],
)
def test_the_caller_is_shown_to_the_unit_holding_the_ticket_and_to_staff(
    actor: Actor, allowed: bool
) -> None:
    state = TicketState(TicketType.COMPLAINT, Urgency.NORMAL, Status.DISPATCHED, unit="jingtai")
    assert may(state, Action.VIEW_CALLER, actor) is allowed


def test_the_scoping_rule_is_written_once() -> None:
    """Outside the domain, nothing asks whether a viewer is a unit user to narrow what it
    sees: that goes through ``unit_scope`` / ``queries.scoped``. (Creating users, and the
    console's home page per role, name the role for other reasons.)"""
    allowed = {"services/admin/users.py", "web/auth.py"}
    found = []
    for layer in ("services", "web", "api"):
        for path in (SRC / layer).rglob("*.py"):
            rel = path.relative_to(SRC).as_posix()
            if rel in allowed:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"Role\.UNIT\b|== *viewer\.unit\b|unit_code == .*\.unit\b", line):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
