"""承办单位管理 (admins): the units with their open tickets; rename, disable or enable,
merge into another. Disabling and merging ask for a confirmation first (the page shows
what will happen, a second form does it); each change is one audited service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.api.errors import status_of
from hotline.domain.errors import DomainError
from hotline.services.admin import units
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Code = Annotated[str, Path(min_length=1, max_length=40)]
Confirmed = Annotated[str, Form(max_length=1)]


def _page(request: Request, session: SessionDep, status_code: int = 200, **extra: Any) -> Response:
    listed = units.list_for_admin(session)
    context = {
        "active": "units",
        "units": listed,
        "targets": [(u["code"], u["name"]) for u in listed if u["active"]],
        "open_total": sum(u["open_tickets"] for u in listed),
        **extra,
    }
    return render(request, "admin_units.html", context, status_code=status_code)


@router.get("/admin/units")
def units_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "units")
    return _page(request, session)


def _act(
    request: Request, session: SessionDep, change: Callable[[], str], **extra: Any
) -> Response:
    try:
        done = change()
    except DomainError as exc:
        session.rollback()
        return _page(request, session, status_of(exc), error=exc.message, **extra)
    return _page(request, session, notice=done)


@router.post("/admin/units/{code}/rename", dependencies=[CsrfChecked])
def rename(
    request: Request,
    code: Code,
    session: SessionDep,
    user: ConsoleUser,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    allow(user, "units")

    def change() -> str:
        before = units.list_for_admin(session)
        old = next((u["name"] for u in before if u["code"] == code), code)
        unit = units.rename(session=session, code=code, name=name, actor=user.actor)
        return f"已将「{old}」改名为「{unit.name}」，该单位的工单随之显示新名称"

    return _act(request, session, change)


@router.post("/admin/units/{code}/merge", dependencies=[CsrfChecked])
def merge(
    request: Request,
    code: Code,
    session: SessionDep,
    user: ConsoleUser,
    into: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    confirm: Confirmed = "",
) -> Response:
    """并入: the first post shows what will move; the confirmed one moves it."""
    allow(user, "units")
    form = {"code": code, "into": into, "reason": reason}
    if not into:
        return _page(request, session, 422, error="请选择要并入的单位", merge_form=form)
    if confirm != "1":
        try:
            preview = units.merge_preview(session=session, source=code, target=into)
        except DomainError as exc:
            return _page(request, session, status_of(exc), error=exc.message, merge_form=form)
        return _page(request, session, confirm_merge={**preview, "reason": reason})

    def change() -> str:
        out = units.merge(
            session=session, source=code, target=into, actor=user.actor, reason=reason
        )
        names = {u["code"]: u["name"] for u in units.list_for_admin(session)}
        source, target = names.get(code, code), names.get(into, into)
        text = f"已将「{source}」并入「{target}」：移交在办工单 {len(out.moved)} 张"
        if out.kept:
            text += f"；已答复待审核或回访的 {out.kept} 张仍由原单位完成"
        if out.failed:
            text += f"；{len(out.failed)} 张未能移交（正被他人处理），请稍后再次合并"
        return text

    return _act(request, session, change, merge_form=form)


@router.post("/admin/units/{code}/{action}", dependencies=[CsrfChecked])
def set_active(
    request: Request,
    code: Code,
    action: Annotated[str, Path(pattern="^(disable|enable)$")],
    session: SessionDep,
    user: ConsoleUser,
    confirm: Confirmed = "",
) -> Response:
    """停用 asks first (its open tickets, what stops); 启用 needs no question."""
    allow(user, "units")
    active = action == "enable"
    if not active and confirm != "1":
        unit = next((u for u in units.list_for_admin(session) if u["code"] == code), None)
        if unit is None:
            return _page(request, session, 404, error="承办单位不存在")
        return _page(request, session, confirm_disable=unit)

    def change() -> str:
        unit = units.set_active(session=session, code=code, active=active, actor=user.actor)
        if active:
            return f"已启用「{unit.name}」，可以再向其派单"
        return (
            f"已停用「{unit.name}」：不再向其派单，秒派也不会派给它；其在办工单保留，可由派单员改派"
        )

    return _act(request, session, change)
