"""Knowledge-base articles the admin maintains: versions, validity, retirement, audit, search."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.assist import difficulty
from hotline.services.assist import knowledge as knowledge_base
from hotline.store.models import AuditEntry, KnowledgeArticle
from tests.api.conftest import client, people
from tests.factories import login

__all__ = ["client", "people"]

ADMIN = Actor("root", Role.ADMIN)
MARCH = datetime(2026, 3, 1, 9)
SUBSIDY = {
    "title": "残疾人就业补贴申请指南",
    "body": "残疾人就业补贴向区残联申请，携带残疾人证和劳动合同，每月补贴500元。",
    "category": "社保",
}


def _hits(session: Session, text: str) -> list[str]:
    return [h["id"] for h in difficulty.knowledge_answers(session, text)]


def test_an_article_gets_versions_and_never_loses_one(session: Session) -> None:
    first = knowledge_base.create_article(
        session, actor=ADMIN, values=SUBSIDY, key="disability-job", now=MARCH
    )
    assert first["version"] == 1 and first["created_by"] == "root"
    second = knowledge_base.new_version(
        session, actor=ADMIN, key="disability-job", changes={"body": "每月补贴600元。"}, now=MARCH
    )
    assert second["version"] == 2 and second["title"] == SUBSIDY["title"]  # copied
    got = knowledge_base.get_article(session, key="disability-job", on=date(2026, 3, 2))
    assert got["current"]["body"] == "每月补贴600元。"
    assert [h["version"] for h in got["history"]] == [2, 1]
    rows = session.scalars(select(KnowledgeArticle).order_by(KnowledgeArticle.version)).all()
    assert [r.body for r in rows] == [SUBSIDY["body"], "每月补贴600元。"]  # v1 untouched
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["knowledge.create", "knowledge.version"]


def test_the_version_in_force_follows_the_validity_dates(session: Session) -> None:
    knowledge_base.create_article(session, actor=ADMIN, values=SUBSIDY, key="k", now=MARCH)
    later = {"body": "自7月1日起每月补贴800元。", "valid_from": date(2026, 7, 1)}
    knowledge_base.new_version(session, actor=ADMIN, key="k", changes=later, now=MARCH)
    june = knowledge_base.get_article(session, key="k", on=date(2026, 6, 30))
    july = knowledge_base.get_article(session, key="k", on=date(2026, 7, 1))
    assert june["current"]["version"] == 1 and july["current"]["version"] == 2
    short = {"valid_from": date(2026, 1, 1), "valid_to": date(2026, 1, 31)}
    knowledge_base.create_article(
        session, actor=ADMIN, values=SUBSIDY | short | {"title": "一月临时政策"}, key="jan"
    )
    listed = knowledge_base.list_articles(session, on=date(2026, 3, 1))
    assert {i["key"]: bool(i["current"]) for i in listed} == {"k": True, "jan": False}
    current = knowledge_base.list_articles(session, on=date(2026, 3, 1), current_only=True)
    assert [i["key"] for i in current] == ["k"]


def test_retiring_keeps_the_history_and_a_new_version_reinstates(session: Session) -> None:
    knowledge_base.create_article(session, actor=ADMIN, values=SUBSIDY, key="k", now=MARCH)
    retired = knowledge_base.retire(session, actor=ADMIN, key="k", now=datetime(2026, 4, 1, 9))
    assert retired["retired"] and retired["version"] == 2
    assert knowledge_base.get_article(session, key="k", on=date(2026, 4, 2))["current"] is None
    before = knowledge_base.get_article(session, key="k", on=date(2026, 3, 15))
    assert before["current"]["version"] == 1  # what applied then
    with pytest.raises(DomainError) as err:
        knowledge_base.retire(session, actor=ADMIN, key="k")
    assert err.value.code == "knowledge.retired"
    knowledge_base.new_version(session, actor=ADMIN, key="k", changes={}, now=MARCH)
    again = knowledge_base.get_article(session, key="k", on=date(2026, 4, 2))
    assert again["current"]["version"] == 3 and not again["retired"]


@pytest.mark.parametrize(
    ("values", "key", "code"),
    [
        ({"title": "", "body": "正文"}, None, "knowledge.invalid"),
        ({"title": "标题", "body": "  "}, None, "knowledge.invalid"),
        (
            {
                "title": "标题",
                "body": "正文",
                "valid_from": date(2026, 5, 1),
                "valid_to": date(2026, 4, 1),
            },
            None,
            "knowledge.invalid",
        ),  # fmt: skip
        ({"title": "标题", "body": "正文"}, "带空格 的编号", "knowledge.invalid"),
    ],
)
def test_bad_articles_are_refused_with_a_code(
    session: Session, values: dict, key: str | None, code: str
) -> None:
    with pytest.raises(DomainError) as err:
        knowledge_base.create_article(session, actor=ADMIN, values=values, key=key)
    assert err.value.code == code
    assert session.scalar(select(func.count()).select_from(KnowledgeArticle)) == 0


def test_search_finds_articles_in_force_at_once_and_drops_retired_ones(session: Session) -> None:
    question = "咨询残疾人就业补贴怎么申请"
    assert _hits(session, question) == []
    knowledge_base.create_article(session, actor=ADMIN, values=SUBSIDY, key="dj")
    answers = difficulty.knowledge_answers(session, question)
    assert answers[0]["id"] == "KB:dj" and answers[0]["kind"] == "article"
    knowledge_base.new_version(session, actor=ADMIN, key="dj", changes={"body": "每月600元。"})
    assert difficulty.knowledge_answers(session, question)[0]["version"] == 2
    knowledge_base.retire(session, actor=ADMIN, key="dj")
    assert "KB:dj" not in _hits(session, question)
    future = {"valid_from": date(2099, 1, 1)}
    knowledge_base.create_article(session, actor=ADMIN, values=SUBSIDY | future, key="later")
    assert "KB:later" not in _hits(session, question)


# ------------------------------------------------------------------ over HTTP

ARTICLES = "/api/v1/knowledge/articles"


def test_admins_write_and_operators_read(client: TestClient, people: dict) -> None:
    root, op, unit = login(client, "root"), login(client, "op"), login(client, "jingtai")
    made = client.post(ARTICLES, json=SUBSIDY | {"key": "dj"}, headers=root)
    assert made.status_code == 201 and made.json()["version"] == 1
    assert client.post(ARTICLES, json=SUBSIDY, headers=op).status_code == 403
    res = client.post(f"{ARTICLES}/dj/versions", json={"body": "每月600元。"}, headers=root)
    assert res.status_code == 201 and res.json()["version"] == 2
    listed = client.get(ARTICLES, headers=op)
    assert listed.status_code == 200
    assert listed.json()[0]["current"]["body"] == "每月600元。"
    assert len(listed.json()[0]["history"]) == 2
    found = client.get("/api/v1/knowledge/search", params={"q": "残疾人就业补贴"}, headers=op)
    assert found.status_code == 200 and found.json()[0]["id"] == "KB:dj"
    assert client.get(ARTICLES, headers=unit).status_code == 403
    assert client.post(f"{ARTICLES}/dj/retire", headers=root).status_code == 200
    assert client.get(f"{ARTICLES}/dj", headers=op).json()["current"] is None


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", f"{ARTICLES}/nope", None, 404, "knowledge.not_found"),
        ("POST", f"{ARTICLES}/nope/versions", {"title": "x"}, 404, "knowledge.not_found"),
        ("POST", f"{ARTICLES}/nope/retire", None, 404, "knowledge.not_found"),
        ("POST", ARTICLES, SUBSIDY | {"key": "dj"}, 409, "knowledge.exists"),
        (
            "POST",
            ARTICLES,
            SUBSIDY | {"valid_from": "2026-05-01", "valid_to": "2026-04-01"},
            422,
            "knowledge.invalid",
        ),  # fmt: skip
        ("POST", ARTICLES, {"title": "x"}, 422, "request.invalid"),
        ("POST", ARTICLES, SUBSIDY | {"colour": "red"}, 422, "request.invalid"),
        ("POST", ARTICLES, SUBSIDY | {"title": "\x00\x01"}, 422, "knowledge.invalid"),
    ],
)
def test_errors_are_json_with_a_code(
    client: TestClient, people: dict, method: str, path: str, body: dict | None, status: int,
    code: str,
) -> None:  # fmt: skip
    root = login(client, "root")
    assert client.post(ARTICLES, json=SUBSIDY | {"key": "dj"}, headers=root).status_code == 201
    res = client.request(method, path, json=body, headers=root)
    assert res.status_code == status, res.text
    assert res.json()["code"] == code and res.json()["message"]


def test_anonymous_callers_are_refused(client: TestClient) -> None:
    assert client.get(ARTICLES).status_code == 401
    assert client.post(ARTICLES, json=SUBSIDY).status_code == 401
