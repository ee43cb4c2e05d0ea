"""Knowledge base (知识库): articles the admin maintains, and the search operators use.

Reading and searching: operators, dispatchers, supervisors, leaders and admins; writing
(new article, new version, retire): admins only. Every write is audited by the service.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.api.deps import AdminActor, SessionDep, require_roles
from hotline.domain.tickets import Actor, Role
from hotline.schemas import clean_text
from hotline.services.assist import knowledge as knowledge_base

router = APIRouter(tags=["knowledge"], prefix="/knowledge")

ReaderActor = Annotated[
    Actor, require_roles(Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
]


def _text(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str | None = Field(default=None, max_length=64, description="文章编号（不填则自动生成）")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    category: str | None = Field(default=None, max_length=64)
    valid_from: date | None = None
    valid_to: date | None = None

    clean_fields = field_validator("key", "title", "body", "category")(_text)


class VersionIn(BaseModel):
    """Only the fields given change; the others are copied from the latest version."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    category: str | None = Field(default=None, max_length=64)
    valid_from: date | None = None
    valid_to: date | None = None

    clean_fields = field_validator("title", "body", "category")(_text)


@router.get("/articles")
def list_articles(
    session: SessionDep, actor: ReaderActor, current_only: bool = False
) -> list[dict[str, Any]]:
    """Every article with its version in force today and its history."""
    return knowledge_base.list_articles(session, current_only=current_only)


@router.get("/articles/{key}")
def get_article(key: str, session: SessionDep, actor: ReaderActor) -> dict[str, Any]:
    return knowledge_base.get_article(session, key=key)


@router.post("/articles", status_code=201)
def create_article(body: ArticleIn, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    values = body.model_dump(exclude={"key"})
    return knowledge_base.create_article(session, actor=actor, values=values, key=body.key)


@router.post("/articles/{key}/versions", status_code=201)
def new_version(
    key: str, body: VersionIn, session: SessionDep, actor: AdminActor
) -> dict[str, Any]:
    changes = body.model_dump(include=body.model_fields_set)
    return knowledge_base.new_version(session, actor=actor, key=key, changes=changes)


@router.post("/articles/{key}/retire")
def retire(key: str, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    return knowledge_base.retire(session, actor=actor, key=key)


@router.get("/search")
def search(
    session: SessionDep,
    actor: ReaderActor,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[dict[str, Any]]:
    """The best answers for a consultation: articles in force first (``kind: "article"``),
    then sanitised past answers labelled 相似历史答复 (``kind: "reply"``)."""
    return knowledge_base.answers(session, q, k)
