"""恶意来电 flags: proposing, deciding, and marking a flagged caller's new tickets.

The rules are :mod:`hotline.domain.caller_flags`'. The flags in force are kept
:data:`IN_FORCE`'s minute per database (an intake asks for every call), and forgotten at
once in the process where a flag is decided.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.domain import caller_flags as rules
from hotline.domain.errors import NotFound
from hotline.domain.tickets import Actor
from hotline.store.crypto import session_ring
from hotline.store.models import CallerFlag

#: phone's keyed hash → (flag id, end date) of the approved flags; per database, one minute.
IN_FORCE: Cache[dict[str, tuple[int, date]]] = Cache("caller flags", ttl=60.0)


def _approved(session: Session) -> dict[str, tuple[int, date]]:
    query = select(CallerFlag.phone_hash, CallerFlag.id, CallerFlag.until).where(
        CallerFlag.status == rules.FlagStatus.APPROVED.value
    )
    return {phone: (flag_id, until) for phone, flag_id, until in session.execute(query)}


def flag_on(session: Session, phone: str | None, at: datetime) -> int | None:
    """The flag in force on ``phone`` at ``at`` (its id), else None. Marks, never refuses."""
    if not phone:
        return None
    approved = IN_FORCE.get(session, "flags", lambda: _approved(session))
    for phone_hash in session_ring(session).phone_hashes(phone):
        found = approved.get(phone_hash)
        if found is not None and rules.in_force(rules.FlagStatus.APPROVED, found[1], at):
            return found[0]
    return None


def propose(
    session: Session, *, phone: str, reason: str, until: date, actor: Actor, now: datetime
) -> CallerFlag:
    proposal = rules.FlagProposal(phone.strip(), reason.strip(), until)
    rules.check_proposal(proposal, actor, now.date())
    flag = CallerFlag(
        phone=proposal.phone,
        phone_hash=session_ring(session).phone_hash(proposal.phone) or "",
        reason=proposal.reason[:500],
        until=until,
        status=rules.FlagStatus.PROPOSED.value,
        proposed_by=actor.username,
        proposed_at=now,
    )
    session.add(flag)
    session.commit()
    return flag


def decide(
    session: Session, *, flag_id: int, decision: str, note: str, actor: Actor, now: datetime
) -> CallerFlag:
    """Approve, reject or lift a flag (a supervisor)."""
    flag = session.get(CallerFlag, flag_id, with_for_update=True)
    if flag is None:
        raise NotFound("caller_flag.not_found", f"恶意来电标记不存在：{flag_id}")
    flag.status = rules.next_status(flag.status, decision, actor, note).value
    flag.decided_by = actor.username
    flag.decided_at = now
    flag.decision_note = note.strip()[:500] or None
    session.commit()
    IN_FORCE.forget(session, "flags")
    return flag


def listed(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The flags, open proposals first, then the newest."""
    rows = session.scalars(
        select(CallerFlag)
        .order_by((CallerFlag.status != rules.FlagStatus.PROPOSED.value), CallerFlag.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": f.id,
            "phone": f.phone,
            "reason": f.reason,
            "until": f.until,
            "status": f.status,
            "status_label": rules.FLAG_LABELS[rules.FlagStatus(f.status)],
            "proposed_by": f.proposed_by,
            "proposed_at": f.proposed_at,
            "decided_by": f.decided_by,
            "decided_at": f.decided_at,
            "decision_note": f.decision_note,
        }
        for f in rows
    ]


def flag_of_ticket(session: Session, flag_id: int | None) -> dict[str, Any] | None:
    if flag_id is None:
        return None
    flag = session.get(CallerFlag, flag_id)
    if flag is None:
        return None
    return {"id": flag.id, "reason": flag.reason, "until": flag.until, "status": flag.status}
