"""进度查询 and 好差评: opened by number and code (guessing throttled), told in the caller's
words, rated; a low rating is 回访不满意 in the dispatcher's queue, as after a call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, Invalid, NotFound, Throttled
from hotline.domain.portal import PortalInputError
from hotline.services.portal import follow
from hotline.services.portal import submit as portal
from hotline.services.tickets import queries
from hotline.services.tickets.history import events_of
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.queues import queue
from hotline.store.models import Ticket
from tests.portal.conftest import DISPATCHER


def _open(session: Session, settings: Settings, number: str, code: str, client: str = "c1") -> str:
    return follow.open_ticket(
        session=session, number=number, code=code, client=client, settings=settings
    )


def test_the_right_code_opens_the_ticket(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    receipt = send()
    spaced = f" {receipt.number.lower()} "
    assert (
        _open(session, settings, spaced, f"{receipt.code[:4]} {receipt.code[4:]}") == receipt.number
    )


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    receipt = send()
    wrong = f"{(int(receipt.code) + 1) % 10**8:08d}"
    answers = []
    for number, code in ((receipt.number, wrong), ("BY20991231000001", receipt.code)):
        with pytest.raises(NotFound) as refused:
            _open(session, settings, number, code)
        answers.append(refused.value.message.split("（")[0])
    assert answers[0] == answers[1] == "工单编号或查询码不正确，请核对后重试"


def test_guessing_a_number_stops_after_five_wrong_codes(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    receipt = send()
    for attempt in range(5):
        with pytest.raises(NotFound) as refused:
            _open(session, settings, receipt.number, f"{attempt:08d}", client=f"c{attempt}")
    assert "暂停 15 分钟" in refused.value.message
    with pytest.raises(Throttled) as locked:  # even the right code, from anyone, for now
        _open(session, settings, receipt.number, receipt.code, client="fresh")
    assert locked.value.code == "portal.code_locked"
    later = now_local() + timedelta(minutes=16)
    opened = follow.open_ticket(
        session=session, number=receipt.number, code=receipt.code, client="fresh",
        settings=settings, now=later,
    )  # fmt: skip
    assert opened == receipt.number


def test_a_client_guessing_many_numbers_is_stopped(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    settings.portal_client_failures = 3
    receipt = send()
    for n in range(3):
        with pytest.raises(NotFound):
            _open(session, settings, f"BY2026120800000{n}", "12345678", client="guesser")
    with pytest.raises(Throttled, match="portal.client_locked"):
        _open(session, settings, receipt.number, receipt.code, client="guesser")
    assert _open(session, settings, receipt.number, receipt.code, client="other") == receipt.number


def test_a_code_must_be_eight_digits(session: Session, settings: Settings) -> None:
    with pytest.raises(PortalInputError, match="8 位数字查询码"):
        _open(session, settings, "BY20261208000001", "12ab")


def test_the_timeline_speaks_to_the_caller_and_hides_staff(
    send: Callable[..., portal.Receipt],
    answer: Callable[..., None],
    session: Session,
) -> None:
    receipt = send()
    ticket = session.get(Ticket, receipt.ticket_id)
    assert ticket is not None
    act(
        session=session,
        ticket=ticket,
        action="dispatch",
        data={"unit": "jingtai"},
        actor=DISPATCHER,
    )
    ticket = queries.get_ticket(
        session=session, ticket_id=ticket.id, viewer=DISPATCHER, for_update=True
    )
    act(
        session=session,
        ticket=ticket,
        action="urge",
        data={"reason": "内部：该单位屡次超期"},
        actor=DISPATCHER,
    )
    answer(receipt.ticket_id)
    seen = follow.progress(session=session, number=receipt.number)
    titles = [line.title for line in seen.timeline]
    assert titles == ["已答复", "已签收", "督办", "已转办", "已受理"]  # newest first
    words = " ".join(f"{line.title}{line.text}{line.reply or ''}" for line in seen.timeline)
    assert "景泰街道" in words and "disp" not in words and "内部" not in words
    assert seen.reply is not None and "恢复照明" in seen.reply.reply
    assert "王小明" not in seen.reply.reply and "13912345678" not in seen.reply.reply
    assert seen.stage.label == "已答复" and seen.rating_open
    assert seen.phone == "138****8000"


def test_the_reply_is_shown_only_once_approved(
    send: Callable[..., portal.Receipt], session: Session
) -> None:
    receipt = send()
    unit = lc.Actor("jingtai", lc.Role.UNIT, "jingtai")
    ticket = session.get(Ticket, receipt.ticket_id)
    assert ticket is not None
    for action, data, actor in (
        ("dispatch", {"unit": "jingtai"}, DISPATCHER),
        ("sign", {}, unit),
        ("reply", {"content": "草稿答复，尚待审核"}, unit),
    ):
        ticket = queries.get_ticket(
            session=session, ticket_id=ticket.id, viewer=actor, for_update=True
        )
        act(session=session, ticket=ticket, action=action, data=data, actor=actor)
    seen = follow.progress(session=session, number=receipt.number)
    assert seen.reply is None and not seen.rating_open
    assert seen.stage.label == "办理中"
    with pytest.raises(Conflict, match="审核后，才能评价"):
        follow.rate(session=session, number=receipt.number, rating=5, resolved=True, reason=None)


def test_a_low_rating_goes_back_to_the_dispatcher_as_an_unsatisfied_callback(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    receipt = send()
    answer(receipt.ticket_id)
    follow.rate(
        session=session,
        number=receipt.number,
        rating=1,
        resolved=False,
        reason="路灯仍然不亮，晚上很危险",
    )
    ticket = session.get(Ticket, receipt.ticket_id)
    assert ticket is not None and ticket.status == lc.Status.UNSATISFIED
    assert ticket.satisfaction == "unsatisfied" and ticket.resolved is False
    last = events_of(session, ticket.id)[-1]
    assert (last.action, last.actor_role) == ("callback", "citizen")
    assert last.data["rating"] == 1 and last.data["reason"] == "路灯仍然不亮，晚上很危险"
    rows = queue(session, DISPATCHER, [lc.Status.UNSATISFIED.value], 1)  # 派单工作台: 回访不满意
    assert receipt.number in [row.number for row in rows.items]
    # the dispatcher then reopens it as after any unsatisfied callback
    locked = queries.get_ticket(
        session=session, ticket_id=ticket.id, viewer=DISPATCHER, for_update=True
    )
    act(
        session=session,
        ticket=locked,
        action="reopen",
        data={"reason": "市民评价不满意"},
        actor=DISPATCHER,
    )
    assert follow.progress(session=session, number=receipt.number).stage.label == "办理中"


def test_a_good_rating_closes_the_ticket_and_cannot_be_given_twice(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    receipt = send()
    answer(receipt.ticket_id)
    follow.rate(session=session, number=receipt.number, rating=5, resolved=True, reason=None)
    ticket = session.get(Ticket, receipt.ticket_id)
    assert ticket is not None and ticket.status == lc.Status.CLOSED
    seen = follow.progress(session=session, number=receipt.number)
    assert seen.stage.label == "已办结" and seen.timeline[0].title == "您的评价"
    assert seen.timeline[0].text == "非常满意，问题已解决。"
    with pytest.raises(Conflict, match="已经评价过了"):
        follow.rate(
            session=session, number=receipt.number, rating=1, resolved=False, reason="再评一次试试"
        )


def test_an_operators_callback_leaves_nothing_to_rate(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    receipt = send()
    answer(receipt.ticket_id)
    ticket = queries.get_ticket(
        session=session, ticket_id=receipt.ticket_id, viewer=DISPATCHER, for_update=True
    )
    data = {"satisfaction": "basic", "resolved": True}
    act(session=session, ticket=ticket, action="callback", data=data, actor=DISPATCHER)
    seen = follow.progress(session=session, number=receipt.number)
    assert not seen.rating_open and seen.timeline[0].title == "电话回访"


@pytest.mark.parametrize(
    "given", [{"rating": 5}, {"rating_label": "非常满意"}, {"channel": "portal"}]
)
def test_a_staff_callback_cannot_pass_for_the_callers_own_rating(
    send: Callable[..., portal.Receipt],
    answer: Callable[..., None],
    session: Session,
    given: dict[str, object],
) -> None:
    receipt = send()
    answer(receipt.ticket_id)
    ticket = queries.get_ticket(
        session=session, ticket_id=receipt.ticket_id, viewer=DISPATCHER, for_update=True
    )
    data = {"satisfaction": "satisfied", "resolved": True, **given}
    with pytest.raises(Invalid) as refused:
        act(session=session, ticket=ticket, action="callback", data=data, actor=DISPATCHER)
    assert refused.value.code == "ticket.unexpected_field"
    assert "只能由诉求人在市民端评价时给出" in refused.value.message
    seen = follow.progress(session=session, number=receipt.number)
    assert seen.rating_open  # nothing was written: the caller may still rate


def test_only_portal_tickets_can_be_followed(session: Session, settings: Settings) -> None:
    from hotline.schemas import TicketCreate
    from hotline.services.tickets.lifecycle import intake

    phone_ticket, _ = intake(
        session=session,
        ticket_in=TicketCreate(content="电话受理的诉求内容足够长", caller_phone="13800138000"),
        actor=lc.Actor("op", lc.Role.OPERATOR),
    )
    with pytest.raises(NotFound):
        follow.progress(session=session, number=phone_ticket.number)
    number = session.scalar(select(Ticket.number).where(Ticket.id == phone_ticket.id))
    with pytest.raises(NotFound):
        _open(session, settings, number or "", "00000000")
