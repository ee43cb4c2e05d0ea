"""The optional SMS code (短信验证码, ``HOTLINE_PORTAL_SMS_CODE``): before a request is taken,
the caller proves the mobile number is theirs.

The code goes through the reminder sender (``HOTLINE_REMINDER_SENDER``, ``send(to,
message)``: an SMS gateway in production, the log in the demo). A code is valid for 10
minutes and once; one may be asked for each minute and five a day per phone; five wrong
tries spend it, and wrong tries count towards the client's guessing limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import Throttled
from hotline.domain.portal import PortalInputError
from hotline.services.assessment.supervision import Sender, load_sender
from hotline.services.portal import codes, throttle
from hotline.store.crypto import session_ring
from hotline.store.models import PortalSmsCode

VALID = timedelta(minutes=10)
RESEND_AFTER = timedelta(minutes=1)
PER_DAY = 5
TRIES = 5


def send_code(
    session: Session,
    *,
    phone: str,
    settings: Settings,
    now: datetime,
    sender: Sender | None = None,
) -> None:
    """Make a code for ``phone``, keep its hash, and send it (refused when asked too often).
    The phone is kept as its keyed hash only."""
    ring = session_ring(session)
    of_phone = PortalSmsCode.phone_hash.in_(ring.phone_hashes(phone))
    latest = session.scalar(select(func.max(PortalSmsCode.created_at)).where(of_phone))
    if latest is not None and now - latest < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - latest)).total_seconds()) + 1
        raise Throttled("portal.sms_wait", f"验证码已发送，请 {wait} 秒后再获取")
    today = session.scalar(
        select(func.count())
        .select_from(PortalSmsCode)
        .where(of_phone, PortalSmsCode.created_at > now - timedelta(days=1))
    )
    if (today or 0) >= PER_DAY:
        raise Throttled("portal.sms_limit", "该手机号今天获取验证码的次数已达上限，请明天再试")
    code = codes.sms_code()
    session.add(
        PortalSmsCode(
            phone_hash=ring.phone_hash(phone) or "",
            code_hash=codes.hash_code(code),
            created_at=now,
            attempts=0,
        )
    )
    session.commit()
    out = sender or load_sender(settings.reminder_sender)
    out.send(phone, f"【白云区12345】您的验证码是 {code}，10 分钟内有效。如非本人操作，请忽略。")


def verify(
    session: Session,
    *,
    phone: str,
    code: str | None,
    client: str,
    settings: Settings,
    now: datetime,
) -> None:
    """Spend the phone's latest code if ``code`` is it; otherwise refuse, and count the try."""
    typed = codes.clean_code(code, codes.SMS_DIGITS)
    if not typed:
        raise PortalInputError("portal.sms_missing", "请填写短信中的 6 位验证码", field="sms_code")
    ring = session_ring(session)
    subject = ring.phone_hash(phone) or ""  # wrong tries are counted per phone, by its hash
    throttle.check_guessing(
        session, kind="sms", subject=subject, client=client, settings=settings, now=now
    )
    row = session.scalars(
        select(PortalSmsCode)
        .where(
            PortalSmsCode.phone_hash.in_(ring.phone_hashes(phone)),
            PortalSmsCode.used_at.is_(None),
        )
        .order_by(PortalSmsCode.created_at.desc())
        .limit(1)
    ).first()
    live = row is not None and now - row.created_at <= VALID and row.attempts < TRIES
    if live and codes.code_matches(typed, row.code_hash if row else None):
        assert row is not None
        row.used_at = now
        session.commit()
        return
    if row is not None:
        row.attempts += 1
    throttle.record_failure(session, kind="sms", subject=subject, client=client, now=now)
    if not live:
        raise PortalInputError("portal.sms_expired", "验证码已失效，请重新获取", field="sms_code")
    raise PortalInputError(
        "portal.sms_wrong", "验证码不正确，请核对短信后重新填写", field="sms_code"
    )
