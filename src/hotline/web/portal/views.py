"""The portal's routes: home, 我要反映 (submit), 进度查询 (follow, rate), 公开答复 (board, like).

Every form is a plain HTML form POST that works without JavaScript; a refused form comes
back with what was typed (photos must be picked again: browsers never refill a file
field) and a precise message next to each wrong field. The routes parse, check the form
token, call one service in the thread pool (some lock a ticket's row) and render.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from hotline.api.deps import SessionDep, SettingsDep
from hotline.api.errors import status_of
from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import portal as rules
from hotline.domain.errors import DomainError, Invalid
from hotline.services.portal import board as board_service
from hotline.services.portal import follow as follow_service
from hotline.services.portal import sms
from hotline.services.portal import submit as submit_service
from hotline.services.tickets.attachments import Upload
from hotline.web.portal import security
from hotline.web.portal.pages import PortalRoute, page, wants_json

router = APIRouter(prefix="/m", route_class=PortalRoute, include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Number = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9]+$")]
REQUEST_FIELDS = ("content", "address", "phone", "kind", "publish", "sms_code")
MAX_FIELD = 64 * 1024  # a text part larger than this is refused while it is read


@router.get("")
def root() -> Response:
    return RedirectResponse("/m/", status_code=308)


@router.get("/")
def home(request: Request) -> Response:
    return page(request, "m/home.html", {"tab": "home"})


# ------------------------------------------------------------------ 我要反映


def _new_context(
    request: Request,
    settings: Settings,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    problem: str | None = None,
    notice: str | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    return {
        "tab": "new",
        "token": security.form_token(request, settings, "new", nonce),
        "values": values or {"kind": submit_service.DEFAULT_KIND},
        "errors": errors or {},
        "problem": problem,
        "notice": notice,
        "kinds": submit_service.kind_labels(),
        "sms": settings.portal_sms_code,
        "photos_max": settings.portal_photos_max,
        "photo_mb": settings.portal_photo_max_bytes // (1024 * 1024),
        "content_min": rules.CONTENT.min_chars,
        "content_max": rules.CONTENT.max_chars,
        "address_max": rules.ADDRESS.max_chars,
    }


@router.get("/new")
def new_form(request: Request, settings: SettingsDep) -> Response:
    return page(request, "m/new.html", _new_context(request, settings))


async def _read_form(request: Request, settings: Settings) -> FormData:
    try:
        return await request.form(
            max_files=settings.portal_photos_max + 10, max_fields=30, max_part_size=MAX_FIELD
        )
    except MultiPartException as exc:
        raise Invalid(
            "portal.bad_form", "提交的内容不完整或过长，请缩短文字、减少照片后重试"
        ) from exc


def _values(form: FormData) -> dict[str, str]:
    values = {}
    for name in REQUEST_FIELDS:
        value = form.get(name)
        values[name] = value[:MAX_FIELD] if isinstance(value, str) else ""
    return values


def _photos(form: FormData) -> list[Upload]:
    """The photos picked (a browser sends one empty, nameless part when none was)."""
    return [
        Upload(item.file, item.filename)
        for item in form.getlist("photos")
        if isinstance(item, UploadFile) and (item.filename or (item.size or 0) > 0)
    ]


@router.post("/new")
async def new_submit(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Send the request; the answer is the receipt (number and query code) or the form again."""
    form = await _read_form(request, settings)
    values = _values(form)
    token = form.get("token")
    try:
        nonce = security.check_form(
            request, settings, token if isinstance(token, str) else None, "new"
        )
    except security.FormExpired as exc:
        return _new_again(request, settings, values, {}, exc.message, exc.status)
    try:
        if form.get("action") == "send_code" and settings.portal_sms_code:
            phone = rules.normalise_phone(values["phone"])
            await run_in_threadpool(
                sms.send_code, session, phone=phone, settings=settings, now=now_local()
            )
            notice = f"验证码已发送至 {phone[:3]}****{phone[-4:]}，10 分钟内有效"
            return _new_again(request, settings, values, {}, None, 200, nonce=nonce, notice=notice)
        request_in = submit_service.read_request(values)
        receipt = await run_in_threadpool(
            submit_service.submit,
            session=session,
            request=request_in,
            photos=_photos(form),
            nonce=nonce,
            client=security.client_address(request, settings),
            settings=settings,
            sms_code=values["sms_code"],
        )
    except DomainError as exc:
        fields = exc.details.get("fields") or {}
        if not fields and exc.details.get("field"):
            fields = {str(exc.details["field"]): exc.message}
        return _new_again(
            request, settings, values, fields, exc.message, status_of(exc), nonce=nonce
        )
    response = page(
        request,
        "m/receipt.html",
        {"tab": "new", "r": receipt, "stage": rules.stage_of(receipt.status)},
    )
    security.allow_follow(request, response, settings, receipt.number)
    return response


def _new_again(
    request: Request,
    settings: Settings,
    values: dict[str, str],
    errors: dict[str, str],
    problem: str | None,
    status: int,
    *,
    nonce: str | None = None,
    notice: str | None = None,
) -> Response:
    """The form again, filled in as sent, with the same nonce (a request that did go in
    is then found again, not made twice)."""
    context = _new_context(
        request, settings, values, errors, problem=problem, notice=notice, nonce=nonce
    )
    return page(request, "m/new.html", context, status_code=status)


# ------------------------------------------------------------------ 进度查询


@router.get("/follow")
def follow_form(
    request: Request, settings: SettingsDep, number: str = Query("", max_length=64)
) -> Response:
    context = {
        "tab": "follow",
        "token": security.form_token(request, settings, "follow"),
        "values": {"number": follow_service.clean_number(number)},
        "errors": {},
    }
    return page(request, "m/follow.html", context)


@router.post("/follow")
async def follow_open(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await _read_form(request, settings)
    number = form.get("number")
    code = form.get("code")
    token = form.get("token")
    values = {"number": number[:64] if isinstance(number, str) else ""}
    try:
        security.check_form(request, settings, token if isinstance(token, str) else None, "follow")
        opened = await run_in_threadpool(
            follow_service.open_ticket,
            session=session,
            number=values["number"],
            code=code if isinstance(code, str) else "",
            client=security.client_address(request, settings),
            settings=settings,
        )
    except DomainError as exc:
        field = str(exc.details.get("field") or "code")
        context = {
            "tab": "follow",
            "token": security.form_token(request, settings, "follow"),
            "values": values,
            "errors": {field: exc.message},
            "problem": exc.message,
        }
        return page(request, "m/follow.html", context, status_code=status_of(exc))
    response = RedirectResponse(f"/m/t/{quote(opened)}", status_code=303)
    security.allow_follow(request, response, settings, opened)
    return response


def _ticket_page(
    request: Request,
    session: Any,
    settings: Settings,
    number: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    progress = follow_service.progress(session=session, number=number)
    context = {
        "tab": "follow",
        "p": progress,
        "ratings": list(rules.RATINGS.values()),
        "token": security.form_token(request, settings, "rate"),
        "values": values or {},
        "errors": errors or {},
        "problem": problem,
        "rated": request.query_params.get("rated") == "1",
    }
    return page(request, "m/ticket.html", context, status_code=status)


@router.get("/t/{number}")
def ticket_page(
    request: Request, session: SessionDep, settings: SettingsDep, number: Number
) -> Response:
    number = follow_service.clean_number(number)
    if number not in security.followed(request, settings):
        return RedirectResponse(f"/m/follow?{urlencode({'number': number})}", status_code=303)
    return _ticket_page(request, session, settings, number)


@router.post("/t/{number}/rate")
async def ticket_rate(
    request: Request, session: SessionDep, settings: SettingsDep, number: Number
) -> Response:
    number = follow_service.clean_number(number)
    form = await _read_form(request, settings)
    token = form.get("token")
    values = {
        k: v[:2000] for k in ("rating", "resolved", "reason") if isinstance(v := form.get(k), str)
    }
    security.check_form(request, settings, token if isinstance(token, str) else None, "rate")
    if number not in security.followed(request, settings):
        return RedirectResponse(f"/m/follow?{urlencode({'number': number})}", status_code=303)
    rating = int(values["rating"]) if values.get("rating", "").isdigit() else None
    resolved = {"yes": True, "no": False}.get(values.get("resolved", ""))
    try:
        await run_in_threadpool(
            follow_service.rate,
            session=session,
            number=number,
            rating=rating,
            resolved=resolved,
            reason=values.get("reason"),
        )
    except DomainError as exc:
        field = str(exc.details.get("field") or "rating")
        return await run_in_threadpool(
            _ticket_page,
            request,
            session,
            settings,
            number,
            values=values,
            errors={field: exc.message},
            problem=exc.message,
            status=status_of(exc),
        )
    return RedirectResponse(f"/m/t/{quote(number)}?rated=1#rating", status_code=303)


# ------------------------------------------------------------------ 公开答复


@router.get("/board")
def board_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    q: str = Query("", max_length=200),
    page_no: int = Query(1, alias="page", ge=1, le=100_000),
) -> Response:
    found = board_service.board(
        session=session, query=q, page=page_no, client=security.browser_key(request)
    )
    context = {
        "tab": "board",
        "b": found,
        "token": security.form_token(request, settings, "like"),
        "back": urlencode({k: v for k, v in (("q", found.query), ("page", found.page)) if v}),
    }
    return page(request, "m/board.html", context)


@router.post("/board/{ticket_id}/like")
async def board_like(
    request: Request, session: SessionDep, settings: SettingsDep, ticket_id: TicketId
) -> Response:
    form = await _read_form(request, settings)
    token = form.get("token")
    security.check_form(request, settings, token if isinstance(token, str) else None, "like")
    likes, added = await run_in_threadpool(
        board_service.like,
        session=session,
        ticket_id=ticket_id,
        client=security.browser_key(request),
    )
    if wants_json(request):
        return JSONResponse({"likes": likes, "added": added, "liked": True})
    back = form.get("back")
    kept = parse_qsl(back[:300]) if isinstance(back, str) else []
    query = urlencode([(k, v) for k, v in kept if k in ("q", "page")])
    return RedirectResponse(f"/m/board?{query}#a{ticket_id}", status_code=303)
