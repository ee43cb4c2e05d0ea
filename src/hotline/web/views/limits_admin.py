"""办理时限 (admins): the reply limit per ticket type and urgency, the sign-off and return
windows, extensions and the warning threshold; a preset in one click; each save audited.
New rules apply from the next dispatch on (``settings.LIMITS_APPLY``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.api.errors import status_of
from hotline.domain.errors import DomainError
from hotline.domain.limit_presets import PRESETS, matching_preset
from hotline.domain.limits import TICKET_TYPES, URGENCIES, LimitRules
from hotline.domain.tickets import TYPE_LABELS, URGENCY_LABELS
from hotline.services.admin import rules, settings
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
UNIT_LABELS = {"workdays": "个工作日", "hours": "小时"}


def _page(request: Request, session: SessionDep, status_code: int = 200, **extra: Any) -> Response:
    current = rules.limit_rules(session)
    in_force = matching_preset(current)
    context = {
        "active": "limits",
        "rules": current,
        "types": [(t, TYPE_LABELS[t]) for t in TICKET_TYPES],
        "urgencies": [(u, URGENCY_LABELS[u]) for u in URGENCIES],
        "unit_labels": UNIT_LABELS,
        "presets": list(PRESETS.values()),
        "in_force": in_force,
        "in_force_label": PRESETS[in_force].label if in_force else "自定义",
        "applies": settings.LIMITS_APPLY,
        "yellow_percent": round(current.yellow_at * 100),
        **extra,
    }
    return render(request, "admin_limits.html", context, status_code=status_code)


@router.get("/admin/limits")
def limits_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "limits")
    return _page(request, session)


def _limit(form: Any, prefix: str) -> dict[str, Any]:
    raw = str(form.get(f"{prefix}.amount", "")).strip()
    unit = str(form.get(f"{prefix}.unit", "workdays"))
    try:
        amount: float = float(raw)
    except ValueError:
        amount = -1
    if amount.is_integer():
        amount = int(amount)
    return {"amount": amount, "unit": unit}


def _rules_from_form(form: Any) -> dict[str, Any]:
    reply: dict[str, dict[str, Any]] = {}
    for t in TICKET_TYPES:
        reply[t] = {u: _limit(form, f"reply.{t}.{u}") for u in URGENCIES}
    data: dict[str, Any] = {
        "sign": {u: _limit(form, f"sign.{u}") for u in URGENCIES},
        "return_window": {u: _limit(form, f"return_window.{u}") for u in URGENCIES},
        "reply": reply,
        "extension_for_urgent": form.get("extension_for_urgent") == "1",
    }
    for key in ("extension_max_workdays", "extension_max_count"):
        try:
            data[key] = int(str(form.get(key, "")))
        except ValueError:
            data[key] = -1
    try:
        data["yellow_at"] = float(str(form.get("yellow_percent", ""))) / 100
    except ValueError:
        data["yellow_at"] = -1
    return data


@router.post("/admin/limits", dependencies=[CsrfChecked])
async def save(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "limits")
    form = await request.form()
    data = _rules_from_form(form)
    try:
        LimitRules.from_dict(data)
        settings.set_limit_rules(session=session, data=data, actor=user.actor)
    except DomainError as exc:
        session.rollback()
        message = "时限填写有误：每项须为大于 0 的数字，预警比例须在 1 至 99 之间"
        return _page(request, session, status_of(exc), error=message)
    return _page(request, session, done="已保存办理时限。")


@router.post("/admin/limits/preset/{key}", dependencies=[CsrfChecked])
def preset(key: str, request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "limits")
    try:
        settings.apply_limit_preset(session=session, key=key, actor=user.actor)
    except DomainError as exc:
        session.rollback()
        return _page(request, session, status_of(exc), error=exc.message)
    label = PRESETS[key].label
    return _page(request, session, done=f"已采用「{label}」。")
