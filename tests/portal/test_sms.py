"""The optional SMS code: sent through the reminder sender, once a minute, five a day;
needed before a request goes in when ``HOTLINE_PORTAL_SMS_CODE`` is on."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.errors import Throttled
from hotline.domain.portal import PortalInputError
from hotline.services.assessment.supervision import LogSender
from hotline.services.portal import sms
from hotline.services.portal import submit as portal
from hotline.store.models import Ticket

PHONE = "13800138000"


def _code(sender: LogSender) -> str:
    to, message = sender.sent[-1]
    assert to == PHONE and "【白云区12345】" in message
    found = re.search(r"验证码是 (\d{6})", message)
    assert found
    return found.group(1)


def test_a_request_needs_the_code_sent_to_its_phone(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    settings.portal_sms_code = True
    with pytest.raises(PortalInputError, match="6 位验证码"):
        send()
    sender = LogSender()
    sms.send_code(session, phone=PHONE, settings=settings, now=now_local(), sender=sender)
    code = _code(sender)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    fields = {"content": "云霄路路灯坏了一周，晚上很暗请修复", "address": "白云区云霄路12号"}
    request = portal.read_request({**fields, "phone": PHONE})
    with pytest.raises(PortalInputError, match="验证码不正确"):
        portal.submit(
            session=session, request=request, photos=[], nonce="n" * 24,
            client="c", settings=settings, sms_code=wrong,
        )  # fmt: skip
    receipt = portal.submit(
        session=session,
        request=request,
        photos=[],
        nonce="n" * 24,
        client="c",
        settings=settings,
        sms_code=code,
    )
    assert receipt.created
    with pytest.raises(PortalInputError, match="已失效"):  # a code is used once
        sms.verify(session, phone=PHONE, code=code, client="c", settings=settings, now=now_local())


def test_codes_are_sent_at_most_once_a_minute_and_five_a_day(
    session: Session, settings: Settings
) -> None:
    sender = LogSender()
    start = now_local()
    sms.send_code(session, phone=PHONE, settings=settings, now=start, sender=sender)
    with pytest.raises(Throttled, match="秒后再获取"):
        sms.send_code(
            session,
            phone=PHONE,
            settings=settings,
            now=start + timedelta(seconds=30),
            sender=sender,
        )
    for minute in range(1, 5):
        sms.send_code(
            session,
            phone=PHONE,
            settings=settings,
            now=start + timedelta(minutes=minute),
            sender=sender,
        )
    with pytest.raises(Throttled, match="今天获取验证码的次数已达上限"):
        sms.send_code(
            session, phone=PHONE, settings=settings, now=start + timedelta(minutes=9), sender=sender
        )
    assert len(sender.sent) == 5


def test_an_old_code_has_expired(session: Session, settings: Settings) -> None:
    sender = LogSender()
    sent_at = now_local() - timedelta(minutes=11)
    sms.send_code(session, phone=PHONE, settings=settings, now=sent_at, sender=sender)
    with pytest.raises(PortalInputError, match="已失效"):
        sms.verify(
            session, phone=PHONE, code=_code(sender), client="c", settings=settings, now=now_local()
        )
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
