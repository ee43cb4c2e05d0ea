"""Log in, log out and the landing redirect."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hotline.api.deps import SessionDep, SettingsDep
from hotline.api.errors import status_of
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Role
from hotline.services.admin.users import authenticate, issue_token
from hotline.web import auth
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

LOGIN_REASONS = {
    "required": "请先登录",
    "expired": "登录已过期，请重新登录",
    "invalid": "登录凭证无效，请重新登录",
    "logout": "已安全退出",
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
    """Check the password; on success set the session cookie and go to the role's home."""
    context = {"next": auth.safe_next(next, ""), "username": username}
    if not auth.csrf_valid(request, csrf_token):
        error = auth.CsrfRefused()
        return render(request, "login.html", {**context, "error": error.message}, status_code=403)
    if not username.strip() or not password:
        return render(
            request, "login.html", {**context, "error": "请输入用户名和密码"}, status_code=422
        )
    try:
        user = authenticate(
            session=session, username=username.strip(), password=password, settings=settings
        )
    except DomainError as exc:
        status = status_of(exc)  # 401, or 429 when locked
        return render(request, "login.html", {**context, "error": exc.message}, status_code=status)
    home = auth.HOME.get(Role(user.role), "/tickets")
    response = RedirectResponse(auth.safe_next(next, home), status_code=303)
    auth.set_session_cookie(request, response, issue_token(user, settings), settings)
    request.state.csrf_token = secrets.token_urlsafe(32)  # a fresh CSRF token per session
    auth.set_csrf_cookie(request, response, settings)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout() -> Response:
    response = RedirectResponse("/login?reason=logout", status_code=303)
    auth.clear_session_cookie(response)
    return response
