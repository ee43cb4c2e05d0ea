"""Log in (password, then the second factor when required), log out, the landing redirect.

A user whose sign-in needs a code gets, after the password, a short-lived signed cookie
(``hotline_pending``, 5 minutes) and the page that asks for the code; a user whose role
requires two-factor sign-in and who has not set it up enrols there first (QR code, a
code from the app, then the recovery codes, shown once). A user whose password an admin
reset sets their own after the factors (``/login/password``), before a session opens.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hotline.api.deps import SessionDep, SettingsDep, client_of
from hotline.api.errors import status_of
from hotline.domain.errors import DomainError, Invalid
from hotline.domain.tickets import Role
from hotline.services.admin import sessions, signin, two_factor
from hotline.services.admin.passwords import rules_of
from hotline.store.models import User
from hotline.web import auth
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PENDING_COOKIE = "hotline_pending"
LOGIN_REASONS = {
    "required": "请先登录",
    "expired": "登录已过期，请重新登录",
    "idle": "长时间未操作，已自动退出，请重新登录",
    "invalid": "登录凭证无效或已在别处退出，请重新登录",
    "logout": "已安全退出",
    "password": "密码已修改，请用新密码重新登录",
    "two_factor": "两步验证设置已变更，请重新登录",
}


@router.get("/")
def landing(user: ConsoleUser) -> RedirectResponse:
    return RedirectResponse(user.home, status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None, reason: str | None = None) -> Response:
    return render(
        request,
        "login.html",
        {
            "next": auth.safe_next(next, ""),
            "notice": LOGIN_REASONS.get(reason or ""),
            "username": "",
        },
    )


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password; then the second step, or the session cookie and the home page."""
    context = {"next": auth.safe_next(next, ""), "username": username}
    if not auth.csrf_valid(request, csrf_token):
        error = auth.CsrfRefused()
        return render(request, "login.html", {**context, "error": error.message}, status_code=403)
    if not username.strip() or not password:
        return render(
            request, "login.html", {**context, "error": "请输入用户名和密码"}, status_code=422
        )
    try:
        result = signin.sign_in(
            session=session,
            username=username.strip(),
            password=password,
            client=client_of(request),
            settings=settings,
        )
    except DomainError as exc:
        status = status_of(exc)  # 401; 429 when this address tried too often
        return render(request, "login.html", {**context, "error": exc.message}, status_code=status)
    return _next_step(request, result, next, settings)


#: The page of each step a sign-in may still need.
STEP_PAGES = {"otp": "/login/2fa", "enrol": "/login/2fa/enrol", "password": "/login/password"}


def _next_step(
    request: Request, result: signin.Signin, next: str, settings: SettingsDep
) -> Response:
    """Signed in (the session cookie and the page asked for), or on to the next step
    with the pending cookie (which says which factors are proven)."""
    if result.token is not None:
        return _signed_in(request, result.user, result.token, next, settings)
    target = STEP_PAGES[result.needs or "otp"]
    response = RedirectResponse(f"{target}?next={auth.safe_next(next, '')}", status_code=303)
    proven = result.method if result.needs == "password" else None
    _set_pending(request, response, signin.pending_token(result.user, settings, proven=proven))
    return response


def _signed_in(
    request: Request, user: User, token: str, next: str, settings: SettingsDep
) -> RedirectResponse:
    home = auth.HOME.get(Role(user.role), "/tickets")
    response = RedirectResponse(auth.safe_next(next, home), status_code=303)
    auth.set_session_cookie(request, response, token, settings)
    response.delete_cookie(PENDING_COOKIE, path="/login")
    return response


def _set_pending(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        PENDING_COOKIE,
        value,
        max_age=signin.PENDING_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _back_to_login(reason: str | None = None) -> RedirectResponse:
    response = RedirectResponse("/login" + (f"?reason={reason}" if reason else ""), 303)
    response.delete_cookie(PENDING_COOKIE, path="/login")
    return response


@router.get("/login/2fa")
def otp_page(
    request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None
) -> Response:
    try:
        signin.pending_user(session, request.cookies.get(PENDING_COOKIE), settings)
    except DomainError:
        return _back_to_login("required")
    return render(request, "login_2fa.html", {"next": auth.safe_next(next, "")})


@router.post("/login/2fa")
def otp_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=32)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The code from the authenticator app (or a recovery code)."""
    context = {"next": auth.safe_next(next, "")}
    if not auth.csrf_valid(request, csrf_token):
        error = auth.CsrfRefused().message
        return render(request, "login_2fa.html", {**context, "error": error}, status_code=403)
    try:
        user, _ = signin.pending_user(session, request.cookies.get(PENDING_COOKIE), settings)
        if not code.strip():
            raise Invalid("auth.otp_missing", "请输入 6 位动态验证码或恢复码")
        result = signin.second_factor(session, user, code, client_of(request), settings)
    except DomainError as exc:
        if exc.code == "auth.pending_expired":
            return _back_to_login("required")
        status = status_of(exc)
        return render(
            request, "login_2fa.html", {**context, "error": exc.message}, status_code=status
        )
    return _next_step(request, result, next, settings)


@router.get("/login/2fa/enrol")
def enrol_page(
    request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None
) -> Response:
    """First sign-in of a role that requires 2FA: scan the QR code, type a code."""
    try:
        user, _ = signin.pending_user(session, request.cookies.get(PENDING_COOKIE), settings)
    except DomainError:
        return _back_to_login("required")
    secret = two_factor.new_secret()
    response = render(request, "login_enrol.html", _enrol_context(user, secret, next))
    _set_pending(request, response, signin.pending_token(user, settings, secret))
    return response


def _enrol_context(user: User, secret: str, next: str | None) -> dict[str, object]:
    return {
        "next": auth.safe_next(next, ""),
        "qr_svg": two_factor.qr_svg(secret, user.username),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "username": user.username,
    }


@router.post("/login/2fa/enrol")
def enrol_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=32)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        user, secret = signin.pending_user(session, request.cookies.get(PENDING_COOKIE), settings)
    except DomainError:
        return _back_to_login("required")
    if secret is None:
        return RedirectResponse("/login/2fa/enrol", status_code=303)
    context = _enrol_context(user, secret, next)
    if not auth.csrf_valid(request, csrf_token):
        error = auth.CsrfRefused().message
        return render(request, "login_enrol.html", {**context, "error": error}, status_code=403)
    try:
        result, codes = signin.enrol_and_sign_in(
            session=session,
            user=user,
            secret=secret,
            code=code,
            client=client_of(request),
            settings=settings,
        )
    except DomainError as exc:
        return render(
            request,
            "login_enrol.html",
            {**context, "error": exc.message},
            status_code=status_of(exc),
        )
    home = auth.HOME.get(Role(user.role), "/tickets")
    continue_to = auth.safe_next(next, home)
    if result.token is None:  # an admin reset the password: the user's own comes next
        continue_to = f"{STEP_PAGES['password']}?next={auth.safe_next(next, '')}"
    response = render(
        request,
        "recovery_codes.html",
        {
            "codes": codes,
            "continue_to": continue_to,
            "first": True,
            "then_password": result.token is None,
        },
    )
    if result.token is None:
        proven = signin.pending_token(user, settings, proven=result.method)
        _set_pending(request, response, proven)
        return response
    auth.set_session_cookie(request, response, result.token, settings)
    response.delete_cookie(PENDING_COOKIE, path="/login")
    return response


@router.get("/login/password")
def new_password_page(
    request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None
) -> Response:
    """After an admin's reset: the user sets a password of their own before signing in."""
    try:
        user, _ = signin.pending_proven(session, request.cookies.get(PENDING_COOKIE), settings)
    except DomainError:
        return _back_to_login("required")
    return render(request, "login_password.html", _password_context(user, next, settings))


def _password_context(user: User, next: str | None, settings: SettingsDep) -> dict[str, object]:
    return {
        "next": auth.safe_next(next, ""),
        "display_name": user.display_name or user.username,
        "rules": rules_of(settings).describe(),
    }


@router.post("/login/password")
def new_password_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    new_password: Annotated[str, Form(max_length=256)] = "",
    confirm_password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        user, proven = signin.pending_proven(session, request.cookies.get(PENDING_COOKIE), settings)
    except DomainError:
        return _back_to_login("required")
    context = _password_context(user, next, settings)

    def again(message: str, status: int) -> Response:
        return render(
            request, "login_password.html", {**context, "error": message}, status_code=status
        )

    if not auth.csrf_valid(request, csrf_token):
        return again(auth.CsrfRefused().message, 403)
    if not new_password:
        return again("请输入新密码", 422)
    if new_password != confirm_password:
        return again("两次输入的新密码不一致", 422)
    try:
        result = signin.finish(session, user, client_of(request), settings, proven, new_password)
    except DomainError as exc:
        return again(exc.message, status_of(exc))
    return _next_step(request, result, next, settings)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """退出: the session ends for good (its cookie and any copy of its token)."""
    token = request.cookies.get(auth.SESSION_COOKIE)
    session_id = sessions.session_id_of(token, settings) if token else None
    if session_id:
        signin.sign_out(session=session, session_id=session_id, client=client_of(request))
    response = RedirectResponse("/login?reason=logout", status_code=303)
    auth.clear_session_cookie(response)
    return response
