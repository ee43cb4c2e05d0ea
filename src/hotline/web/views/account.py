"""我的账号: one's password, two-factor sign-in, recovery codes and sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hotline.api.deps import SessionDep, SettingsDep, client_of
from hotline.api.errors import status_of
from hotline.config import Settings
from hotline.domain.errors import DomainError, Invalid
from hotline.services.admin import sessions, two_factor, users
from hotline.services.admin.passwords import rules_of
from hotline.web import auth
from hotline.web.auth import ConsoleUser, CsrfChecked, Viewer
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ENROL_SECONDS = 600
METHODS = {
    "password": "密码",
    "password+totp": "密码 + 动态码",
    "password+recovery": "密码 + 恢复码",
}
Field = Annotated[str, Form(max_length=256)]


def _enrol_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="hotline-2fa-enrol-console")


def _page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    viewer: Viewer,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    account = users.find(session, viewer.username)
    context: dict[str, Any] = {
        "active": "account",
        "account": users.describe(account, settings),
        "rules": rules_of(settings).describe(),
        "open_sessions": sessions.open_sessions(
            session=session, user_id=account.id, settings=settings
        ),
        "methods": METHODS,
        "idle_minutes": settings.session_idle_minutes,
        "ttl_hours": round(settings.token_ttl_minutes / 60, 1),
        **extra,
    }
    if extra.get("enrol") and not two_factor.enabled(account):
        secret = extra.get("secret") or two_factor.new_secret()
        context.update(
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            qr_svg=two_factor.qr_svg(secret, account.username),
            enrol_token=_enrol_serializer(settings).dumps({"u": account.id, "s": secret}),
        )
    return render(request, "account.html", context, status_code=status_code)


@router.get("/account")
def account_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: ConsoleUser, enrol: int = 0
) -> Response:
    return _page(request, session, settings, user, enrol=bool(enrol))


def _signed_out(reason: str) -> Response:
    response = RedirectResponse(f"/login?reason={reason}", status_code=303)
    auth.clear_session_cookie(response)
    return response


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    current_password: Field = "",
    new_password: Field = "",
    confirm_password: Field = "",
) -> Response:
    """修改密码; every session ends, this one too: sign in again with the new password."""
    try:
        if new_password != confirm_password:
            raise Invalid("user.password_mismatch", "两次输入的新密码不一致")
        users.change_own_password(
            session=session,
            user_id=user.user_id,
            current=current_password,
            new=new_password,
            client=client_of(request),
            settings=settings,
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, settings, user, status_of(exc), error=exc.message)
    return _signed_out("password")


@router.post("/account/2fa/enable", dependencies=[CsrfChecked])
def enable_two_factor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    enrol_token: Annotated[str, Form(max_length=500)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        data = _enrol_serializer(settings).loads(enrol_token, max_age=ENROL_SECONDS)
    except BadSignature:
        error = "绑定已超时，请重新扫描二维码"
        return _page(request, session, settings, user, 422, enrol=True, error=error)
    secret = str(data.get("s")) if isinstance(data, dict) and data.get("u") == user.user_id else ""
    if not secret:
        return _page(request, session, settings, user, 422, enrol=True, error="绑定信息无效")
    try:
        codes = users.turn_on_two_factor(
            session=session,
            user_id=user.user_id,
            secret=secret,
            code=code,
            client=client_of(request),
        )
    except DomainError as exc:
        session.rollback()
        return _page(
            request, session, settings, user, status_of(exc), enrol=True, secret=secret,
            error=exc.message,
        )  # fmt: skip
    return render(request, "recovery_codes.html", {"codes": codes, "continue_to": "/account"})


@router.post("/account/2fa/recovery-codes", dependencies=[CsrfChecked])
def renew_recovery_codes(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        codes = users.renew_recovery_codes(
            session=session, user_id=user.user_id, code=code, client=client_of(request)
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, settings, user, status_of(exc), error=exc.message)
    return render(request, "recovery_codes.html", {"codes": codes, "continue_to": "/account"})


@router.post("/account/2fa/disable", dependencies=[CsrfChecked])
def disable_two_factor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    password: Field = "",
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        users.turn_off_two_factor(
            session=session,
            user_id=user.user_id,
            password=password,
            code=code,
            client=client_of(request),
            settings=settings,
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, settings, user, status_of(exc), error=exc.message)
    return _signed_out("two_factor")


@router.post("/account/sessions/end", dependencies=[CsrfChecked])
def end_all_sessions(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    """退出全部会话: every session of the user, on every device and API client."""
    users.sign_out_everywhere(session=session, user_id=user.user_id, client=client_of(request))
    return _signed_out("logout")
