"""节假日与调休 (admins): a year's holidays and adjusted working days as stored, one day
added or removed at a time, or a whole State Council notice pasted, previewed, saved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.api.errors import status_of
from hotline.clock import now_local
from hotline.domain.calendar import WorkCalendar
from hotline.domain.errors import DomainError
from hotline.services.admin import calendar as calendar_admin
from hotline.services.admin import rules
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Year = Annotated[int, Form(ge=2000, le=2100)]
WEEKDAYS = "一二三四五六日"


def _page(
    request: Request, session: SessionDep, year: int, status_code: int = 200, **extra: Any
) -> Response:
    days = calendar_admin.list_days(session=session, year=year)
    calendar: WorkCalendar = rules.work_calendar(session)
    this_year = now_local().year
    context = {
        "active": "calendar",
        "year": year,
        "years": list(range(this_year - 1, this_year + 3)),
        "days": [
            {
                "day": d.day.isoformat(),
                "weekday": WEEKDAYS[d.day.weekday()],
                "is_workday": d.is_workday,
                "name": d.name,
            }
            for d in days
        ],
        "holidays": sum(1 for d in days if not d.is_workday),
        "workdays": sum(1 for d in days if d.is_workday),
        "known": calendar.knows_year(year),
        "packaged": calendar.knows_year(year) and not days,
        "text": "",
        **extra,
    }
    return render(request, "admin_calendar.html", context, status_code=status_code)


@router.get("/admin/calendar")
def calendar_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    allow(user, "calendar")
    return _page(request, session, year or now_local().year)


@router.post("/admin/calendar/day", dependencies=[CsrfChecked])
def set_day(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    year: Year,
    day: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(pattern="^(holiday|workday)$")] = "holiday",
    name: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    allow(user, "calendar")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return _page(request, session, year, 422, error="请选择日期（格式如 2027-01-01）")
    workday = kind == "workday"
    calendar_admin.set_day(
        session=session, day=when, is_workday=workday, name=name.strip(), actor=user.actor
    )
    label = "调休上班日" if workday else "法定节假日"
    return _page(request, session, when.year, done=f"已将 {when.isoformat()} 设为{label}")


@router.post("/admin/calendar/day/{day}/remove", dependencies=[CsrfChecked])
def remove_day(request: Request, day: date, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "calendar")
    removed = calendar_admin.remove_day(session=session, day=day, actor=user.actor)
    if not removed:
        return _page(request, session, day.year, 404, error=f"{day.isoformat()} 没有录入的安排")
    return _page(
        request, session, day.year, done=f"已删除 {day.isoformat()} 的安排，该日按常规计算"
    )


@router.post("/admin/calendar/notice", dependencies=[CsrfChecked])
def notice(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    year: Year,
    text: Annotated[str, Form(max_length=20_000)] = "",
    step: Annotated[str, Form(pattern="^(preview|save)$")] = "preview",
) -> Response:
    """粘贴通知: ``preview`` shows the days it read (and the lines it could not);
    ``save`` stores all of them, or none when a line is wrong."""
    allow(user, "calendar")
    if not text.strip():
        return _page(request, session, year, 422, error="请先粘贴节假日安排", text=text)
    if step == "preview":
        preview = calendar_admin.preview_notice(session=session, text=text, year=year)
        for d in preview["days"]:
            d["weekday_label"] = WEEKDAYS[d["weekday"] - 1]
        return _page(request, session, year, preview=preview, text=text)
    try:
        saved = calendar_admin.import_notice(
            session=session, text=text, year=year, actor=user.actor
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, year, status_of(exc), error=exc.message, text=text)
    done = (
        f"已保存 {saved['saved']} 天：法定节假日 {saved['holidays']} 天、"
        f"调休上班 {saved['workdays']} 天（{saved['first']} 至 {saved['last']}）"
    )
    return _page(request, session, year, done=done)
