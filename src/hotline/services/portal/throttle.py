"""The portal's limits: requests per phone and per address, and wrong codes (guessing).

Counted in the database, so every web worker sees the same counts. Wrong codes are
rows of ``portal_attempts``: per ticket number (or phone, for SMS codes) over 15
minutes, per client address over an hour; rows older than a day are deleted as new
ones are written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import Throttled
from hotline.store.crypto import session_ring
from hotline.store.models import PortalAttempt, PortalRequest

SUBJECT_WINDOW = timedelta(minutes=15)
CLIENT_WINDOW = timedelta(hours=1)
KEEP = timedelta(days=1)


def check_request_limits(
    session: Session, *, phone: str, address_key: str, settings: Settings, now: datetime
) -> None:
    """Refuse a new request when its phone or its address has used its share (429)."""
    since = now - timedelta(hours=settings.portal_limit_window_hours)
    hours = f"{settings.portal_limit_window_hours:g}"
    hashes = session_ring(session).phone_hashes(phone)  # the phone is kept as its keyed hash
    by_phone = _count(
        session, PortalRequest.phone_hash.in_(hashes), PortalRequest.created_at > since
    )
    if by_phone >= settings.portal_phone_limit:
        raise Throttled(
            "portal.phone_limit",
            f"该手机号 {hours} 小时内已提交 {by_phone} 件诉求，已达上限。"
            "如有紧急情况，请直接拨打 12345 热线。",
        )
    by_address = _count(
        session, PortalRequest.address_key == address_key, PortalRequest.created_at > since
    )
    if by_address >= settings.portal_address_limit:
        raise Throttled(
            "portal.address_limit",
            f"同一地址 {hours} 小时内已有 {by_address} 件网上诉求，已达上限，"
            "热线已在跟进。如有新的紧急情况，请直接拨打 12345 热线。",
        )


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(PortalRequest).where(*where)) or 0)


def check_guessing(
    session: Session, *, kind: str, subject: str, client: str, settings: Settings, now: datetime
) -> int:
    """Refuse when the subject (a ticket number, a phone) or the client has failed too
    often lately (429); otherwise the tries left for the subject."""
    if _failures(session, kind, client=client, since=now - CLIENT_WINDOW) >= (
        settings.portal_client_failures
    ):
        raise Throttled(
            "portal.client_locked",
            "您所在网络的查询失败次数过多，请 1 小时后再试，或拨打 12345 热线。",
        )
    failed = _failures(session, kind, subject=subject, since=now - SUBJECT_WINDOW)
    if failed >= settings.portal_code_failures:
        what = "查询码" if kind == "code" else "验证码"
        raise Throttled("portal.code_locked", f"{what}错误次数过多，已暂停 15 分钟，请稍后再试。")
    return settings.portal_code_failures - failed


def record_failure(
    session: Session, *, kind: str, subject: str, client: str, now: datetime
) -> None:
    """Count one wrong code (committed at once: the refusal that follows rolls nothing back)."""
    session.execute(delete(PortalAttempt).where(PortalAttempt.at < now - KEEP))
    session.add(PortalAttempt(kind=kind, subject=subject[:64], client=client[:64], at=now))
    session.commit()


def _failures(
    session: Session,
    kind: str,
    *,
    since: datetime,
    subject: str | None = None,
    client: str | None = None,
) -> int:
    query = (
        select(func.count())
        .select_from(PortalAttempt)
        .where(PortalAttempt.kind == kind, PortalAttempt.at > since)
    )
    if subject is not None:
        query = query.where(PortalAttempt.subject == subject)
    if client is not None:
        query = query.where(PortalAttempt.client == client)
    return int(session.scalar(query) or 0)
