"""Console sessions and CSRF protection.

* The session is the cookie ``hotline_session`` holding the same signed token the
  API issues (:func:`hotline.services.admin.users.issue_token`); HttpOnly, SameSite=Strict,
  expiring after ``settings.token_ttl_minutes``. The API accepts it too.
* CSRF: every state-changing request must send the CSRF token, in the form field
  ``csrf_token`` or in the ``X-CSRF-Token`` header (htmx sends it from ``<body
  hx-headers>``). Signed in, the token is bound to the session: a keyed hash of the
  session cookie (:func:`hotline.api.deps.csrf_for_session`), so it changes with every
  sign-in and is worth nothing with another session. Before signing in (the login
  forms) it is a random value double-submitted in the cookie ``hotline_csrf``. A
  request without it, or with another value, is refused with 403 (:class:`CsrfRefused`).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from hotline.api.deps import SessionDep, SettingsDep, csrf_for_session
from hotline.config import Settings
from hotline.domain.errors import DomainError, Forbidden
from hotline.domain.tickets import ROLE_LABELS, Actor, Role
from hotline.logs import note_user
from hotline.services.admin.directory import unit_names
from hotline.services.admin.sessions import (
    BACKGROUND_HEADER,
    touch,
    touch_due,
    user_from_token,
)

SESSION_COOKIE = "hotline_session"
CSRF_COOKIE = "hotline_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Where each role lands after logging in.
HOME: dict[Role, str] = {
    Role.OPERATOR: "/intake",
    Role.DISPATCHER: "/dispatch",
    Role.UNIT: "/inbox",
    Role.SUPERVISOR: "/supervise",
    Role.LEADER: "/dashboard",
    Role.ADMIN: "/tickets",
}


#: Why a session was refused → the reason the login page explains.
LOGIN_REASON_OF = {"auth.expired": "expired", "auth.idle": "idle"}


class LoginRequired(Exception):
    """No valid session: the console sends the browser to the login page."""

    def __init__(self, reason: str = "required") -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRefused(Forbidden):
    """A state-changing request without the right CSRF token (always 403)."""

    def __init__(self) -> None:
        super().__init__("auth.csrf", "安全校验未通过（CSRF 令牌缺失或不符），请刷新页面后重试")


@dataclass(frozen=True)
class Viewer:
    """The logged-in console user."""

    username: str
    display_name: str
    role: Role
    unit: str | None
    unit_name: str | None = None
    user_id: int = 0
    session_id: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.unit)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def home(self) -> str:
        return HOME.get(self.role, "/tickets")

    def has(self, *roles: Role) -> bool:
        return self.role in roles


def console_user(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    """The user of the session cookie; :class:`LoginRequired` when absent or expired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        user = user_from_token(session, token, settings)
    except DomainError as exc:
        raise LoginRequired(LOGIN_REASON_OF.get(exc.code, "invalid")) from exc
    if touch_due(user) and request.headers.get(BACKGROUND_HEADER) != "1":
        user = touch(session, user)
    unit_name = unit_names(session).get(user.unit_code) if user.unit_code else None
    viewer = Viewer(
        user.username,
        user.display_name or user.username,
        Role(user.role),
        user.unit_code,
        unit_name,
        user.id,
        user.session_id,
    )
    request.state.viewer = viewer
    note_user(viewer.username, viewer.role.value)
    return viewer


ConsoleUser = Annotated[Viewer, Depends(console_user)]


def require(viewer: Viewer, *roles: Role) -> None:
    """Refuse a page to the other roles (403)."""
    if viewer.role not in roles:
        raise Forbidden("auth.forbidden", "当前角色无权访问此页面")


# ------------------------------------------------------------------ CSRF


def csrf_token(request: Request) -> str:
    """The CSRF token of this request: bound to the session cookie when there is one,
    else the browser's pre-sign-in token (from its cookie, or a new one)."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        session_token = request.cookies.get(SESSION_COOKIE)
        if session_token:
            token = csrf_for_session(session_token, request.app.state.settings.secret_key)
        else:
            token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return token  # type: ignore[no-any-return]


def set_csrf_cookie(request: Request, response: Response, settings: Settings) -> None:
    """Send the pre-sign-in CSRF cookie when the browser does not have this token yet."""
    if request.cookies.get(SESSION_COOKIE):
        return
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            max_age=settings.token_ttl_minutes * 60,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """The submitted token is this request's: the session's, or (signed out) the cookie's."""
    if request.cookies.get(SESSION_COOKIE):
        expected: str | None = csrf_token(request)
    else:
        expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


async def check_csrf(request: Request) -> None:
    """Dependency of every state-changing console route (header or form field)."""
    if request.method not in UNSAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not csrf_valid(request, submitted):
        raise CsrfRefused()


CsrfChecked = Depends(check_csrf)


# ------------------------------------------------------------------ session cookie


def set_session_cookie(
    request: Request, response: Response, token: str, settings: Settings
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_ttl_minutes * 60,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def safe_next(value: str | None, default: str) -> str:
    """A local path to go back to after login (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if value.startswith(("/login", "/logout", "/static")):
        return default
    return value


def login_url(request: Request, reason: str = "required") -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("HX-Request") == "true":
        target = request.headers.get("HX-Current-URL", target)
        if "://" in target:
            rest = target.split("://", 1)[1].split("/", 1)
            target = "/" + (rest[1] if len(rest) > 1 else "")
    return f"/login?next={quote(safe_next(target, '/'), safe='/')}&reason={reason}"
