"""考核方案 (admins): the versions with the days they score, one scheme in words, and a
new version from the one in force or from a preset, with its effective date. Saving
goes through :func:`hotline.services.assessment.schemes.add_version` (audited there)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.api.errors import status_of
from hotline.clock import now_local
from hotline.domain.assessment import RATE_FIELDS
from hotline.domain.errors import DomainError
from hotline.domain.matters import MATTER_LABELS
from hotline.domain.scheme import COUNT_NAMES, DEDUCTION_BASES, GROUP_NAMES, RATE_NAMES
from hotline.services.assessment import schemes
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Param = Annotated[str, Query(max_length=64)]
FORM_LIMIT = 200  # fields a scheme's form may carry (about 70 today)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:100] for k, v in list(form.items())[:FORM_LIMIT]}


def _bases(session: SessionDep, today: date) -> list[tuple[str, str]]:
    current = schemes.base_scheme(session, "current", today)
    return [
        ("current", f"现行方案（{current.version}）"),
        *((key, f"预设：{label}") for key, (label, _make) in schemes.PRESETS.items()),
    ]


def _page(
    request: Request,
    session: SessionDep,
    *,
    version: str = "",
    base: str = "current",
    form: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    today = now_local().date()
    listed = schemes.versions(session, today)
    shown = next((v for v in listed if v.scheme.version == version), None)
    shown = shown or next((v for v in listed if v.state == "in_force"), listed[0])
    if base not in schemes.PRESETS:
        base = "current"
    if form is None:
        # the first of next month, or of the month after the latest version's start
        latest = max(today, max(v.scheme.valid_from for v in listed))
        start = date(latest.year + latest.month // 12, latest.month % 12 + 1, 1)
        form = schemes.form_values(schemes.base_scheme(session, base, today), "", start.isoformat())
    context = {
        "active": "schemes",
        "versions": listed,
        "shown": shown,
        "described": schemes.describe(shown.scheme),
        "bases": _bases(session, today),
        "base": base,
        "form": form,
        "rate_fields": [
            (name, RATE_NAMES.get(name, name), name in schemes.DAY_FIELDS) for name in RATE_FIELDS
        ],
        "lower_is_better": schemes.LOWER_IS_BETTER,
        "rate_names": RATE_NAMES,
        "groups": GROUP_NAMES,
        "counts": COUNT_NAMES,
        "bases_of_deduction": DEDUCTION_BASES,
        "matters": MATTER_LABELS,
        "earliest": today.replace(day=1).isoformat(),
        **extra,
    }
    return render(request, "admin_schemes.html", context, status_code=status_code)


@router.get("/admin/schemes")
def schemes_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    version: Param = "",
    base: Param = "current",
) -> Response:
    """The versions, the one asked for (default: in force) in words, and the new-version
    form filled from ``base``."""
    allow(user, "schemes")
    return _page(request, session, version=version, base=base)


@router.post("/admin/schemes", dependencies=[CsrfChecked])
def add_scheme(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    form: Annotated[dict[str, str], Depends(_form)],
) -> Response:
    """Save the form as a new version; on a refusal the form comes back as typed, with the
    reason above it."""
    allow(user, "schemes")
    base = form.get("base", "current")
    try:
        scheme = schemes.add_version(session, form, user.actor, base=base)
    except DomainError as exc:
        session.rollback()
        return _page(
            request, session, base=base, form=form, error=exc.message, status_code=status_of(exc)
        )
    notice = f"已保存考核方案 {scheme.version}，自 {scheme.valid_from:%Y年%-m月%-d日} 起生效"
    return _page(request, session, version=scheme.version, notice=notice)
