"""公开答复: only what callers agreed to publish, once answered, masked; searched in the
masked text; 点赞 once per browser; likes per ticket for hot-topic heat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.errors import NotFound
from hotline.services.portal import board
from hotline.services.portal import submit as portal


def test_only_published_and_answered_requests_are_on_the_board(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    published = send(publish="1", phone="13900000001")
    private = send(publish="", phone="13900000002")
    waiting = send(publish="1", phone="13900000003")
    answer(published.ticket_id)
    answer(private.ticket_id)
    found = board.board(session=session)
    assert [a.ticket_id for a in found.items] == [published.ticket_id]
    assert found.total == 1 and waiting.ticket_id not in [a.ticket_id for a in found.items]
    item = found.items[0]
    assert item.unit == "景泰街道" and "恢复照明" in item.reply
    assert "王小明" not in item.reply and "13912345678" not in item.reply


def test_personal_data_is_masked_and_cannot_be_searched_for(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    receipt = send(
        content="我叫张三，电话13812345678，广园中路88号楼下餐馆油烟直排，熏得无法开窗。",
        address="白云区景泰街道广园中路88号3栋502房",
        publish="1",
    )
    answer(receipt.ticket_id, reply="已约谈张三反映的餐馆负责人李四，责令安装油烟净化器。")
    item = board.board(session=session).items[0]
    text = item.content + item.address + item.reply
    for hidden in ("张三", "13812345678", "88号", "502", "李四"):
        assert hidden not in text, hidden
    assert board.board(session=session, query="油烟").total == 1
    for hidden in ("13812345678", "张三", "502房"):
        assert board.board(session=session, query=hidden).total == 0, hidden


def test_search_needs_every_word_and_treats_wildcards_as_text(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    lamp = send(
        content="云霄路路灯坏了一周，晚上很暗，请尽快修复。", publish="1", phone="13900000001"
    )
    noise = send(
        content="云霄路工地夜间施工噪音扰民，凌晨还在施工。", publish="1", phone="13900000002"
    )
    answer(lamp.ticket_id)
    answer(noise.ticket_id)
    assert board.board(session=session, query="云霄路").total == 2
    assert [a.ticket_id for a in board.board(session=session, query="云霄路 路灯").items] == [
        lamp.ticket_id
    ]
    assert board.board(session=session, query="%").total == 0
    assert board.board(session=session, query="_").total == 0


def test_a_browser_likes_an_answer_once(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    receipt = send(publish="1")
    answer(receipt.ticket_id)
    assert board.like(session=session, ticket_id=receipt.ticket_id, client="browser-a") == (1, True)
    assert board.like(session=session, ticket_id=receipt.ticket_id, client="browser-a") == (
        1,
        False,
    )
    assert board.like(session=session, ticket_id=receipt.ticket_id, client="browser-b") == (2, True)
    mine = board.board(session=session, client="browser-a").items[0]
    theirs = board.board(session=session, client="browser-c").items[0]
    assert (mine.likes, mine.liked, theirs.liked) == (2, True, False)


def test_what_is_not_on_the_board_cannot_be_liked(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    private = send(publish="")
    answer(private.ticket_id)
    with pytest.raises(NotFound, match="portal.answer_not_found"):
        board.like(session=session, ticket_id=private.ticket_id, client="browser-a")
    with pytest.raises(NotFound):
        board.like(session=session, ticket_id=999_999, client="browser-a")


def test_likes_per_ticket_feed_hot_topic_heat(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    one = send(publish="1", phone="13900000001")
    two = send(publish="1", phone="13900000002")
    answer(one.ticket_id)
    answer(two.ticket_id)
    for client in ("a", "b", "c"):
        board.like(session=session, ticket_id=one.ticket_id, client=client)
    board.like(session=session, ticket_id=two.ticket_id, client="a")
    assert board.likes_by_ticket(session) == {one.ticket_id: 3, two.ticket_id: 1}
    assert board.likes_by_ticket(session, [two.ticket_id]) == {two.ticket_id: 1}
    assert board.likes_by_ticket(session, []) == {}
    assert board.likes_by_ticket(session, since=now_local() + timedelta(minutes=1)) == {}


def test_the_board_pages_newest_answer_first(
    send: Callable[..., portal.Receipt], answer: Callable[..., None], session: Session
) -> None:
    ids = []
    for n in range(12):
        receipt = send(publish="1", phone=f"139000000{n:02d}", address=f"白云区景泰街道云霄路{n}号")
        answer(receipt.ticket_id)
        ids.append(receipt.ticket_id)
    first = board.board(session=session)
    assert (first.total, first.pages, len(first.items)) == (12, 2, board.PAGE_SIZE)
    assert first.items[0].ticket_id == ids[-1]
    last = board.board(session=session, page=99)
    assert last.page == 2 and len(last.items) == 2
