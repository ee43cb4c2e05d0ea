"""What keeps the public portal safe without a login: a browser cookie, signed form
tokens, and the short-lived right to see one's own ticket.

- ``hotline_portal``: a random value per browser (HttpOnly, SameSite=Lax, path ``/m/``).
  Its hash is who liked what (点赞 once per browser) and whose form a token is.
- Form token: every form carries a token signed with the secret key that names its
  purpose, the browser (the cookie's hash) and a random nonce, and expires after
  ``HOTLINE_PORTAL_FORM_TTL_MINUTES``. Another site cannot make one for the visitor's
  browser (it can read neither the cookie nor the page), so a forged cross-site post is
  refused: CSRF-safe for a form without a session. The nonce of the request form is the
  request's idempotency key and seeds its query code.
- ``hotline_follow``: after the right query code, a signed list of the ticket numbers
  this browser may see, for 30 minutes; nothing secret is in it.
- The client address (for guessing limits) is the TCP peer, hashed with the secret.
"""

from __future__ import annotations

import hashlib
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hotline.config import Settings
from hotline.domain.errors import Forbidden, Invalid

CLIENT_COOKIE = "hotline_portal"
FOLLOW_COOKIE = "hotline_follow"
FOLLOW_SECONDS = 30 * 60
FOLLOW_MAX = 5
PATH = "/m/"


class FormRefused(Forbidden):
    """A portal form without a valid token of this browser (403)."""


class FormExpired(Invalid):
    """A portal form shown too long ago; the page comes back filled in (422)."""


def _signer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=salt)


def browser_id(request: Request) -> str:
    """This browser's portal cookie (a new one for this response when it has none)."""
    value = getattr(request.state, "portal_client", None)
    if value is None:
        value = request.cookies.get(CLIENT_COOKIE) or ""
        if not (20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()):
            value = secrets.token_urlsafe(24)
        request.state.portal_client = value
    return value  # type: ignore[no-any-return]


def browser_key(request: Request) -> str:
    """The hash of this browser's cookie: what the database keeps (likes)."""
    return hashlib.sha256(("browser:" + browser_id(request)).encode()).hexdigest()[:40]


def client_address(request: Request, settings: Settings) -> str:
    """The client's address, hashed with the secret key (the guessing limits' key)."""
    host = request.client.host if request.client else "unknown"
    return hashlib.sha256(f"{settings.secret_key}:addr:{host}".encode()).hexdigest()[:40]


def remember_browser(request: Request, response: Response) -> None:
    value = browser_id(request)
    if request.cookies.get(CLIENT_COOKIE) != value:
        response.set_cookie(
            CLIENT_COOKIE,
            value,
            max_age=365 * 24 * 3600,
            path=PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def form_token(request: Request, settings: Settings, purpose: str, nonce: str | None = None) -> str:
    """A token for one form of this browser (a fresh nonce unless one is given)."""
    payload = {
        "p": purpose,
        "b": browser_key(request)[:16],
        "n": nonce or secrets.token_urlsafe(18),
    }
    return _signer(settings, "portal-form").dumps(payload)


def check_form(request: Request, settings: Settings, token: str | None, purpose: str) -> str:
    """The form's nonce, if its token is this browser's, for this form, and recent."""
    if not token or len(token) > 400:
        raise FormRefused("portal.form_refused", _REFUSED)
    signer = _signer(settings, "portal-form")
    try:
        payload = signer.loads(token, max_age=settings.portal_form_ttl_minutes * 60)
    except SignatureExpired as exc:
        raise FormExpired(
            "portal.form_expired", "页面停留时间过长，已为您保留填写的内容，请再提交一次"
        ) from exc
    except BadSignature as exc:
        raise FormRefused("portal.form_refused", _REFUSED) from exc
    if (
        not isinstance(payload, dict)
        or payload.get("p") != purpose
        or payload.get("b") != browser_key(request)[:16]
        or not isinstance(payload.get("n"), str)
    ):
        raise FormRefused("portal.form_refused", _REFUSED)
    return str(payload["n"])


_REFUSED = "页面已失效或浏览器未保存 Cookie，请刷新页面后重新提交（请允许本网站使用 Cookie）"


def followed(request: Request, settings: Settings) -> list[str]:
    """The ticket numbers this browser opened with their code in the last 30 minutes."""
    raw = request.cookies.get(FOLLOW_COOKIE)
    if not raw or len(raw) > 1000:
        return []
    try:
        numbers = _signer(settings, "portal-follow").loads(raw, max_age=FOLLOW_SECONDS)
    except BadSignature:
        return []
    if not isinstance(numbers, list):
        return []
    if numbers and numbers[0] != browser_key(request)[:16]:
        return []
    return [n for n in numbers[1:] if isinstance(n, str)]


def allow_follow(request: Request, response: Response, settings: Settings, number: str) -> None:
    """Let this browser see ``number`` for the next 30 minutes."""
    numbers = [n for n in followed(request, settings) if n != number][-(FOLLOW_MAX - 1) :]
    value = _signer(settings, "portal-follow").dumps([browser_key(request)[:16], *numbers, number])
    response.set_cookie(
        FOLLOW_COOKIE,
        value,
        max_age=FOLLOW_SECONDS,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
