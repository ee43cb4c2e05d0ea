"""Bulk actions of the dispatcher's console (批量操作): one action on several tickets.

Each ticket is its own transaction (:func:`hotline.services.tickets.lifecycle.act` commits or
rolls back one ticket), so a failure never leaves a ticket half-done and never undoes
the tickets that went through; the caller gets one :class:`Outcome` per ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, DomainError, Invalid
from hotline.services.tickets import queries
from hotline.services.tickets.lifecycle import act

log = logging.getLogger(__name__)
MAX_TICKETS = 100


@dataclass(frozen=True)
class Outcome:
    """What happened to one ticket of a bulk action."""

    ticket_id: int
    number: str | None
    ok: bool
    message: str
    status: str | None = None


def _moved(ticket_status: str, expected: str) -> Conflict:
    now = lc.STATUS_INFO[lc.Status(ticket_status)].label
    wanted = lc.STATUS_INFO[lc.Status(expected)].label
    return Conflict("ticket.moved", f"工单已不在「{wanted}」状态（当前：{now}），未处理")


def act_on_each(
    session: Session,
    *,
    viewer: lc.Actor,
    ticket_ids: Iterable[int],
    action: str,
    data: Mapping[str, Any],
    expect_status: str | None = None,
) -> list[Outcome]:
    """Apply ``action`` with ``data`` to each ticket in turn, each in its own transaction.

    ``expect_status`` refuses a ticket that another person moved meanwhile (a ticket
    dispatched by a colleague is not silently re-dispatched). At most
    :data:`MAX_TICKETS` tickets per call.
    """
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise Invalid("request.invalid", "请先勾选要处理的工单")
    if len(ids) > MAX_TICKETS:
        raise Invalid("request.invalid", f"一次最多处理 {MAX_TICKETS} 张工单")
    return [_one(session, viewer, tid, action, data, expect_status) for tid in ids]


def _one(
    session: Session,
    viewer: lc.Actor,
    ticket_id: int,
    action: str,
    data: Mapping[str, Any],
    expect_status: str | None,
) -> Outcome:
    number = None
    try:
        ticket = queries.get_ticket(
            session=session, ticket_id=ticket_id, viewer=viewer, for_update=True
        )
        number = ticket.number
        if expect_status is not None and ticket.status != expect_status:
            raise _moved(ticket.status, expect_status)
        act(session=session, ticket=ticket, action=action, data=dict(data), actor=viewer)
    except DomainError as exc:
        session.rollback()
        return Outcome(ticket_id, number, False, exc.message)
    except Exception:  # noqa: BLE001 - one ticket's failure must not stop the others
        session.rollback()
        log.exception("bulk %s failed on ticket %s", action, ticket_id)
        return Outcome(ticket_id, number, False, "系统错误，该工单未处理，请稍后重试")
    return Outcome(ticket_id, number, True, "成功", ticket.status)
