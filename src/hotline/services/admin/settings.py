"""Deployment settings the admin edits in the app (stored in ``app_settings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.errors import NotFound
from hotline.domain.limit_presets import PRESETS
from hotline.domain.limits import LimitRules
from hotline.domain.tickets import Actor
from hotline.services.admin import audit, rules
from hotline.store.models import Setting

#: The audit log's action for a change of each setting (others: ``setting.set``).
AUDIT_ACTIONS = {"limit_rules": "limits.set", "dispatch": "dispatch.threshold"}
#: When new rules apply (shown on the page and in the API's answer).
LIMITS_APPLY = (
    "只对保存之后派单（含改派、重办、延期审批）的工单生效，已派出的工单保持派单时定下的时限；"
    "黄色预警比例对在办工单自其下一次办理操作起生效。"
)


def put_setting(
    *,
    session: Session,
    key: str,
    value: dict[str, Any],
    actor: Actor,
    note: dict[str, Any] | None = None,
) -> None:
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
    detail = {"key": key, "before": before, "after": value, **(note or {})}
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


def apply_limit_preset(*, session: Session, key: str, actor: Actor) -> dict[str, Any]:
    """Replace the time-limit rules by a preset's (audited as ``limits.set`` with the
    preset's key); they apply like any change, from the next dispatch on."""
    preset = PRESETS.get(key)
    if preset is None:
        raise NotFound("limits.unknown_preset", f"没有这个时限预设：{key}")
    value = {**preset.rules.to_dict()}
    note = {"preset": key, "preset_label": preset.label}
    put_setting(session=session, key="limit_rules", value=value, actor=actor, note=note)
    return value
