"""The audit log: every export and report download, with who, when and what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.tickets import Actor
from hotline.store.models import AuditEntry


def record(*, session: Session, actor: Actor, action: str, detail: dict[str, Any]) -> None:
    """Append one audit entry and commit it (before the data leaves the server)."""
    session.add(
        AuditEntry(
            at=now_local(),
            username=actor.username,
            role=actor.role.value,
            action=action,
            detail=detail,
        )
    )
    session.commit()


def entries(*, session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return [
        {
            "at": r.at.isoformat(),
            "username": r.username,
            "role": r.role,
            "action": r.action,
            "detail": r.detail,
        }
        for r in rows
    ]
