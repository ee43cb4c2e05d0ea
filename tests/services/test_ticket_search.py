"""Searching tickets (``q``): a ticket is found by any piece of its content or address, by
its number or by the caller's phone, on both databases; PostgreSQL narrows the search by
the bigrams of the term through an index, and finds the same tickets as reading them all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from hotline.domain.search import bigrams
from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.tickets import queries
from hotline.services.tickets.lifecycle import record_intake
from hotline.store.models import Ticket
from hotline.store.search import query_of, terms_of
from tests.factories import intake_body

OPERATOR = Actor("op", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
MONDAY = datetime(2026, 11, 23, 9, 0)

TEXTS = [
    ("小区门口路灯不亮已经一周", "白云区景泰街道广园中路12号"),
    ("楼下餐馆油烟和噪音扰民", "白云区松洲街道螺涌北路"),
    ("公司拖欠三个月工资，完成率100%以上也不发", None),
    ("咨询 ABC_12 证件的办理", "白云区三元里大道"),
    ("路面积水严重", "白云区石井街道灯笼街"),
]


@pytest.fixture
def tickets(session: Session) -> list[Ticket]:
    made = []
    for i, (content, address) in enumerate(TEXTS):
        made.append(
            record_intake(
                session=session,
                ticket_in=TicketCreate(
                    **intake_body(content=content, address=address, caller_phone=f"1380000000{i}")
                ),
                actor=OPERATOR,
                now=MONDAY + timedelta(minutes=i),
            )
        )
    session.commit()
    return made


def found(session: Session, term: str) -> list[str]:
    rows, total = queries.list_tickets(
        session=session, viewer=DISPATCHER, filters=queries.TicketFilter(q=term), page_size=50
    )
    assert total == len(rows)
    return sorted(t.content for t in rows)


def test_bigrams_are_the_pairs_of_neighbouring_word_characters() -> None:
    assert bigrams("路灯不亮") == ["不亮", "灯不", "路灯"]
    assert bigrams("噪音、噪音!") == ["噪音"]
    assert bigrams("水 A 1") == []  # words of one character: nothing to narrow by
    assert bigrams("ABC_12") == ["12", "AB", "BC", "C_", "_1"]


def test_the_stored_terms_and_the_query_are_postgresql_text_search_values() -> None:
    assert terms_of("路灯不亮", None) == "'不亮' '灯不' '路灯'"
    assert terms_of("路灯", "灯笼街") == "'灯笼' '笼街' '路灯'"  # no pair across the two
    assert query_of(["路灯", "a'b"]) == "'路灯' & 'a''b'"


@pytest.mark.parametrize(
    ("term", "contents"),
    [
        ("路灯", ["小区门口路灯不亮已经一周"]),
        ("灯不亮", ["小区门口路灯不亮已经一周"]),
        ("灯亮", []),  # both pairs' characters are there, not the term
        ("噪音", ["楼下餐馆油烟和噪音扰民"]),
        ("广园中路", ["小区门口路灯不亮已经一周"]),  # in the address
        ("灯", ["小区门口路灯不亮已经一周", "路面积水严重"]),  # one character: read all
        ("100%", ["公司拖欠三个月工资，完成率100%以上也不发"]),
        ("%", ["公司拖欠三个月工资，完成率100%以上也不发"]),  # a plain character
        ("ABC_12", ["咨询 ABC_12 证件的办理"]),
        ("ABCx12", []),  # _ is not a wildcard
        ("13800000001", ["楼下餐馆油烟和噪音扰民"]),  # the caller's phone
        ("没有这样的诉求", []),
    ],
)
def test_a_search_finds_every_ticket_holding_the_term_and_no_other(
    session: Session, tickets: list[Ticket], term: str, contents: list[str]
) -> None:
    assert found(session, term) == sorted(contents)


def test_a_search_finds_a_ticket_by_its_number(session: Session, tickets: list[Ticket]) -> None:
    assert found(session, tickets[2].number) == [TEXTS[2][0]]


def test_postgresql_keeps_the_terms_of_every_new_ticket(
    session: Session, tickets: list[Ticket]
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        assert session.scalar(select(func.count()).where(Ticket.search_terms.is_not(None))) == 0
        return
    kept = session.execute(
        select(Ticket.content, text("array_to_string(tsvector_to_array(search_terms), ' ')"))
    ).all()
    for content, terms in kept:
        address = next(a for c, a in TEXTS if c == content)
        assert sorted(terms.split(" ")) == bigrams(f"{content}\n{address or ''}")


def test_a_ticket_without_terms_yet_is_still_found(session: Session, tickets: list[Ticket]) -> None:
    session.execute(update(Ticket).where(Ticket.id == tickets[1].id).values(search_terms=None))
    session.commit()
    assert found(session, "噪音") == ["楼下餐馆油烟和噪音扰民"]
    assert found(session, "路灯") == ["小区门口路灯不亮已经一周"]


def test_postgresql_narrows_a_search_through_the_index(
    session: Session, tickets: list[Ticket]
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite reads the texts: it has no index of search terms")
    query = queries.matching(session, DISPATCHER, queries.TicketFilter(q="路灯"), MONDAY)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_tickets_search_terms" in plan and "ix_tickets_search_unindexed" in plan
    assert "Seq Scan" not in plan
