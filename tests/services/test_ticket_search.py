"""Searching tickets by a word: the same answers on SQLite and PostgreSQL.

On PostgreSQL a search word is looked up in an index of each ticket's character pairs
(bigrams, kept by a trigger) and then confirmed as a substring; on SQLite it is only the
substring match. Either way a ticket is found by its number, its caller's phone, or a
word anywhere in its content or address, and by nothing else.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services import queries as q
from hotline.services.tickets import intake
from hotline.store.models import Ticket
from hotline.store.search import bigrams

OP = Actor("op", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
TEXTS = {
    "lamp": ("均禾街道石马桥路灯不亮已有一周", "白云区均禾街道石马桥"),
    "noise": ("工地夜间施工噪音扰民", "白云区景泰街道广园中路88号"),
    "wages": ("公司拖欠工资三个月，100%未发", "白云区太和镇"),
    "lamp_apart": ("路边的灯坏了，灯不会亮", "白云区京溪街道"),
}


@pytest.fixture
def tickets(session: Session) -> dict[str, Ticket]:
    made = {}
    for i, (name, (content, address)) in enumerate(TEXTS.items()):
        ticket_in = TicketCreate(content=content, address=address, caller_phone=f"1390000000{i}")
        made[name], _ = intake(session=session, ticket_in=ticket_in, actor=OP)
    return made


def found(session: Session, word: str) -> set[int]:
    rows, total = q.list_tickets(
        session=session, viewer=DISPATCHER, filters=q.TicketFilter(q=word), page_size=50
    )
    assert total == len(rows)
    return {t.id for t in rows}


def ids(tickets: dict[str, Ticket], *names: str) -> set[int]:
    return {tickets[n].id for n in names}


def test_a_word_is_found_in_the_content_or_the_address(
    session: Session, tickets: dict[str, Ticket]
) -> None:
    assert found(session, "路灯不亮") == ids(tickets, "lamp")
    assert found(session, "噪音") == ids(tickets, "noise")
    assert found(session, "广园中路") == ids(tickets, "noise")  # in the address
    assert found(session, "白云区") == set(ids(tickets, *TEXTS))


def test_pairs_that_occur_apart_are_not_a_match(
    session: Session, tickets: dict[str, Ticket]
) -> None:
    # 灯不 and 不亮 are both in the fourth ticket's text, but not as 灯不亮
    assert found(session, "灯不亮") == ids(tickets, "lamp")


def test_a_number_or_a_phone_is_found_whole(session: Session, tickets: dict[str, Ticket]) -> None:
    assert found(session, tickets["wages"].number) == ids(tickets, "wages")
    assert found(session, "13900000001") == ids(tickets, "noise")
    assert found(session, "1390000000") == set()  # part of a phone is not a match


def test_one_character_and_wildcards_are_taken_literally(
    session: Session, tickets: dict[str, Ticket]
) -> None:
    assert found(session, "灯") == ids(tickets, "lamp", "lamp_apart")
    assert found(session, "100%") == ids(tickets, "wages")
    assert found(session, "%") == ids(tickets, "wages")  # not "everything"
    assert found(session, "_") == set()


def test_an_edited_text_is_found_by_its_new_words_at_once(
    session: Session, tickets: dict[str, Ticket]
) -> None:
    ticket = tickets["noise"]
    ticket.content = "占道经营的摊贩堵住了人行道"
    session.commit()

    assert found(session, "摊贩") == ids(tickets, "noise")
    assert found(session, "噪音") == set()


def test_the_index_holds_each_tickets_pairs_on_postgresql(
    session: Session, tickets: dict[str, Ticket]
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the bigram index is PostgreSQL's (SQLite matches substrings only)")
    ticket = tickets["lamp"]
    stored = session.execute(
        text("SELECT bigrams FROM ticket_search WHERE ticket_id = :id"), {"id": ticket.id}
    ).scalar_one()
    assert set(stored) == set(bigrams(ticket.content)) | set(bigrams(ticket.address or ""))


def test_bigrams_are_the_overlapping_pairs() -> None:
    assert bigrams("路灯不亮") == sorted(["路灯", "灯不", "不亮"])
    assert bigrams("灯") == []
    assert bigrams("哈哈哈") == ["哈哈"]
