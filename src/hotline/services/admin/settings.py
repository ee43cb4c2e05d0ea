"""Deployment settings the admin edits in the app (stored in ``app_settings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.limits import LimitRules
from hotline.domain.tickets import Actor
from hotline.services.admin import audit, rules
from hotline.store.models import Setting

#: The audit log's action for a change of each setting (others: ``setting.set``).
AUDIT_ACTIONS = {"limit_rules": "limits.set", "dispatch": "dispatch.threshold"}


def put_setting(*, session: Session, key: str, value: dict[str, Any], actor: Actor) -> None:
    """Store a setting; the change and its audit entry are committed together."""
    row = session.get(Setting, key)
    before = None if row is None else row.value
    if row is None:
        session.add(
            Setting(key=key, value=value, updated_at=now_local(), updated_by=actor.username)
        )
    else:
        row.value, row.updated_at, row.updated_by = value, now_local(), actor.username
    action = AUDIT_ACTIONS.get(key, "setting.set")
    detail = {"key": key, "before": before, "after": value}
    audit.record(session=session, actor=actor, action=action, detail=detail, commit=False)
    session.commit()
    rules.invalidate()


def get_setting(*, session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, key)
    return None if row is None else dict(row.value)


def cached_setting(*, session: Session, key: str) -> dict[str, Any] | None:
    """:func:`get_setting` for every request (intake reads the dispatch threshold): kept
    like the time-limit rules (``rules``: forgotten here when the admin saves a setting,
    re-read by the other workers within the rules' cache time)."""
    value = rules.cached(session, f"setting:{key}", lambda: get_setting(session=session, key=key))
    return None if value is None else dict(value)


def get_limit_rules(*, session: Session) -> dict[str, Any]:
    return rules.limit_rules(session).to_dict()


def set_limit_rules(*, session: Session, data: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Validate and store new time-limit rules; they apply to actions from now on."""
    parsed = LimitRules.from_dict(data)  # raises LimitRulesError (code limits.*) when invalid
    put_setting(session=session, key="limit_rules", value=parsed.to_dict(), actor=actor)
    return parsed.to_dict()
