"""Dependencies as Annotated aliases: the session, the settings and the current user."""

from __future__ import annotations

import base64
import hmac
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.config import Settings
from hotline.domain.errors import Forbidden, Unauthorized
from hotline.domain.tickets import Actor, Role
from hotline.logs import note_user
from hotline.services.admin.sessions import (
    BACKGROUND_HEADER,
    AuthUser,
    actor_of,
    cached_user_from_token,
    touch,
    touch_due,
    user_from_token,
)
from hotline.store.db import refuse_row_locks, wrote_uncommitted

R = TypeVar("R")


# The dependencies are ``async`` where they do no blocking I/O: FastAPI runs every
# sync dependency in the thread pool, and each such hop costs a GIL hand-over that
# under load is worth more than the work itself.


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request (opening one does no I/O; closing it ends the transaction:
    one short round trip, cheaper in the loop than a hop to the thread pool).

    A request that succeeded ends what is left of its transaction (its reads: writes are
    committed by the services) with COMMIT, not ROLLBACK: psycopg forgets every prepared
    statement of the connection on a ROLLBACK (and sends ``DEALLOCATE ALL``), so with
    reads ending in ROLLBACK no statement stayed prepared long enough to be reused, and
    PostgreSQL parsed and planned each one again. Whatever a request wrote and did not
    commit is still thrown away (:func:`end_reads`); a failed request rolls back.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
    except BaseException:
        session.close()
        raise
    end_reads(session)


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that only reads (``store.db.read_session_factory``: in
    autocommit on PostgreSQL, no BEGIN and COMMIT round trips; it refuses to write)."""
    session: Session = request.app.state.read_sessions()
    try:
        yield session
    finally:
        session.close()


def end_reads(session: Session) -> None:
    """Close the session; an open transaction that only read ends with COMMIT. One that
    wrote anything left uncommitted (flushed objects, a Core INSERT/UPDATE/DELETE) or
    holds unsaved changes ends with ROLLBACK, as before: what a request did not commit
    is thrown away."""
    try:
        if (
            session.in_transaction()
            and not wrote_uncommitted(session)
            and not (session.new or session.dirty or session.deleted)
        ):
            session.commit()
    finally:
        session.close()


def on_event_loop(endpoint: Callable[..., R]) -> Callable[..., Awaitable[R]]:
    """Run a short database-bound endpoint on the worker's event loop, not in the pool,
    with its session opened and closed here rather than by FastAPI.

    FastAPI runs a sync endpoint in a thread pool: a hop there and back, and threads
    taking the GIL from each other, cost more CPU than a ticket detail itself. The hot
    ticket routes (intake, list, detail, action: a few short indexed queries each) run
    in the loop instead, one request at a time per worker process, like a classic
    pre-fork server that waits for the database in the loop: run one worker more than
    cores, or two per core (bench/load.py, 2 cores, each worker with its own socket:
    300 mixed requests/s served with 3 workers and with 4). Slow pages (exports,
    reports, the console) keep the pool, and so does every route that locks a row (a
    ticket's action, revealing its caller): a lock wait in the loop would stall every
    request of the worker. The session opened here refuses row locks
    (``store.db.refuse_row_locks``), so such a route cannot be put on the loop by mistake.

    A ``session`` parameter annotated :data:`SessionDep` or :data:`ReadSessionDep` is
    filled here, with the same opening and ending as those dependencies, and hidden from
    FastAPI: a dependency with ``yield`` costs FastAPI an exit stack and two context
    managers per request, more CPU than opening the session itself.
    """
    signature = inspect.signature(endpoint, eval_str=True)
    parameters = dict(signature.parameters)
    opener = _session_opener(parameters.pop("session", None))
    wants_request = "request" in parameters
    if opener is not None and not wants_request:
        parameters["request"] = inspect.Parameter(
            "request", inspect.Parameter.KEYWORD_ONLY, annotation=Request
        )

    async def run(**kwargs: Any) -> R:
        if opener is None:
            return endpoint(**kwargs)
        request = kwargs["request"] if wants_request else kwargs.pop("request")
        session, finish = opener(request)
        try:
            result = endpoint(session=session, **kwargs)
        except BaseException:
            session.close()
            raise
        finish(session)
        return result

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, attribute, getattr(endpoint, attribute))
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=sorted(parameters.values(), key=lambda p: p.kind)
    )
    return run


SessionOpener = Callable[[Request], tuple[Session, Callable[[Session], None]]]


def _session_opener(parameter: inspect.Parameter | None) -> SessionOpener | None:
    """How :func:`on_event_loop` opens the session its endpoint asks for, if any."""
    if parameter is None:
        return None
    metadata = getattr(parameter.annotation, "__metadata__", ())
    dependency = next((getattr(m, "dependency", None) for m in metadata), None)
    if dependency is get_session:
        return lambda request: (_loop_session(request.app.state.sessions), end_reads)
    if dependency is get_read_session:
        return lambda request: (_loop_session(request.app.state.read_sessions), Session.close)
    raise TypeError(f"session parameter must be SessionDep or ReadSessionDep: {parameter}")


def loop_read_session(request: Request) -> Session:
    """A read session for an ``async`` endpoint that reads on the event loop (as
    :func:`on_event_loop` opens one); the endpoint closes it."""
    return _loop_session(request.app.state.read_sessions)


def _loop_session(factory: Callable[[], Session]) -> Session:
    """A session for an endpoint on the event loop: it refuses row locks
    (:func:`hotline.store.db.refuse_row_locks`), so that no request of the worker ever
    waits on another transaction's lock in the loop."""
    session = factory()
    refuse_row_locks(session)
    return session


def client_of(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy: what uvicorn's
    ``--forwarded-allow-ips`` lets the proxy's ``X-Forwarded-For`` say)."""
    return request.client.host if request.client else ""


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]

#: Largest row id (PostgreSQL ``integer``); a larger number in a path is a 422, not a 500.
MAX_ROW_ID = 2**31 - 1
TicketId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="工单编号 (id)")]


class _BearerToken(OAuth2PasswordBearer):
    """The API's bearer token as OpenAPI declares it (the password flow of
    ``/api/v1/auth/token``). Its subclasses below are the dependencies that answer with
    the request's user or actor: a security scheme that is its own dependency, so the
    routes need no sub-dependency for the token (each level of FastAPI's dependency
    solving costs more than the token check) and OpenAPI still shows their security."""

    def __init__(self) -> None:
        super().__init__(
            tokenUrl="/api/v1/auth/token", auto_error=False, scheme_name="OAuth2PasswordBearer"
        )

    async def user(self, request: Request) -> AuthUser:
        """The user of the bearer token (or of the console's session cookie).

        The token → user lookup is cached for ``TOKEN_CACHE_SECONDS`` (services/admin/users.py):
        a disabled user is refused at the latest that long after being disabled. A cache
        hit is answered here, with no session opened; a miss reads the database in the
        thread pool, in a session of its own.
        """
        token = await super().__call__(request)
        if not token:
            token = request.cookies.get("hotline_session")
            if token and request.method not in ("GET", "HEAD", "OPTIONS"):
                _check_csrf(request, token)
        if not token:
            raise Unauthorized("auth.required", "请先登录")
        state = request.app.state
        cached = cached_user_from_token(state.engine, token, state.settings)
        if cached is None:
            background = request.headers.get(BACKGROUND_HEADER) == "1"
            cached = await run_in_threadpool(_read_user, state, token, background)
        request.state.auth_user = cached
        note_user(cached.username, cached.role)
        return cached


class _CurrentUser(_BearerToken):
    async def __call__(self, request: Request) -> AuthUser:  # type: ignore[override]
        return await self.user(request)


class _CurrentActor(_BearerToken):
    """The current user as the domain's actor; with ``roles``, only those roles (403)."""

    def __init__(self, roles: frozenset[Role] | None = None) -> None:
        super().__init__()
        self.roles = roles

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        actor = actor_of(await self.user(request))
        if self.roles is not None and actor.role not in self.roles:
            raise Forbidden("auth.forbidden", "当前角色无权访问此功能")
        return actor


def _read_user(state: Any, token: str, background: bool = False) -> AuthUser:
    """The token's user from the database, in a read session (``read_sessions``: on
    PostgreSQL in autocommit, so it ends with no ROLLBACK — a ROLLBACK made psycopg forget
    every prepared statement of the connection, and the user cache misses several times
    a second under load: a third of the hot statements were parsed and planned again).
    Once a minute per session, a write session notes that the session is in use (the
    idle timeout's clock), unless the page sent the request on its own (``background``)."""
    with state.read_sessions() as session:
        user = user_from_token(session, token, state.settings)
    if touch_due(user) and not background:
        with state.sessions() as session:
            user = touch(session, user)
    return user


def _check_csrf(request: Request, session_token: str) -> None:
    """A browser session writing through the API must send its session's CSRF token."""
    header = request.headers.get("x-csrf-token", "")
    expected = csrf_for_session(session_token, request.app.state.settings.secret_key)
    if not header or not hmac.compare_digest(expected.encode(), header.encode()):
        raise Forbidden("auth.csrf", "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试")


def csrf_for_session(session_token: str, secret_key: str) -> str:
    """The CSRF token bound to a console session: a keyed hash of its session token, so a
    token taken from one session (or planted before sign-in) is worth nothing in another."""
    digest = hmac.new(secret_key.encode(), b"csrf|" + session_token.encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


CurrentUser = Annotated[AuthUser, Depends(_CurrentUser())]
CurrentActor = Annotated[Actor, Depends(_CurrentActor())]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through (403 otherwise)."""
    return Depends(_CurrentActor(frozenset(roles)))


IntakeActor = Annotated[Actor, require_roles(Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)]
AdminActor = Annotated[Actor, require_roles(Role.ADMIN)]
