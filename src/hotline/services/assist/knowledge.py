"""The knowledge base (知识库): articles the admin maintains, and the search index.

Articles: create, new version, retire, list.

Every change adds a row to ``knowledge_articles``; nothing is overwritten. An article
(``key``) is the series of its versions; on a given day its current text is the highest
version whose validity (``valid_from`` … ``valid_to``, either open) covers the day,
unless that version is a retirement. Retiring adds a version marked ``retired`` valid
from the day of retirement, so earlier days still show the text that applied then; a
later version reinstates the article. Every change is written to the audit log in the
same transaction.

Answers (:func:`answers`, BM25 of :mod:`hotline.intel.knowledge`): the articles in force
today first, from their own index (:func:`article_index`, rebuilt at once when an article
changes: the table's row count and last id are part of the cache key, so every worker
process sees the change; small, so built in the request); then 相似历史答复, sanitised
past answers from :mod:`hotline.services.assist.knowledge_history` (read at start-up,
then new ones within a minute).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local
from hotline.domain.errors import Conflict, Invalid, NotFound
from hotline.domain.tickets import Actor
from hotline.intel import knowledge as kb
from hotline.intel.knowledge import Article, KnowledgeBase
from hotline.services.admin import audit
from hotline.services.assist import knowledge_history
from hotline.store.models import KnowledgeArticle

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
FIELDS = ("title", "body", "category", "valid_from", "valid_to")
_LIMITS = {"title": 200, "body": 20_000, "category": 64}
#: The articles' index per database with what it was built from (article signature, day);
#: valid while the articles are unchanged (see :func:`article_index`).
INDEXES: Cache[tuple[Any, KnowledgeBase]] = Cache("knowledge indexes", ttl=None)
#: The analysed terms of each article text per database, reused by the next refit.
TERMS: Cache[dict[tuple[str, ...], list[str]]] = Cache("knowledge terms", ttl=None)
_kb_lock = threading.Lock()


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked article fields: a title and a body, lengths, dates in order."""
    out = {f: values.get(f) for f in FIELDS}
    for name in ("title", "body", "category"):
        text = out[name]
        out[name] = text.strip() if isinstance(text, str) and text.strip() else None
        if out[name] is not None and len(out[name]) > _LIMITS[name]:
            raise Invalid("knowledge.invalid", f"{name} 过长（上限 {_LIMITS[name]} 字）")
    if not out["title"] or not out["body"]:
        raise Invalid("knowledge.invalid", "知识库文章须有标题和正文")
    start, end = out["valid_from"], out["valid_to"]
    if start is not None and end is not None and end < start:
        raise Invalid("knowledge.invalid", "有效期结束日期早于开始日期")
    return out


def _versions(session: Session, key: str) -> list[KnowledgeArticle]:
    if not KEY.fullmatch(key):  # no such key can exist (and no odd bytes reach the database)
        raise NotFound("knowledge.not_found", f"知识库文章不存在：{key[:64]}")
    rows = session.scalars(
        select(KnowledgeArticle)
        .where(KnowledgeArticle.key == key)
        .order_by(KnowledgeArticle.version)
    ).all()
    if not rows:
        raise NotFound("knowledge.not_found", f"知识库文章不存在：{key}")
    return list(rows)


def _add(
    session: Session, *, actor: Actor, key: str, version: int, fields: Mapping[str, Any],
    retired: bool, now: datetime, action: str,
) -> dict[str, Any]:  # fmt: skip
    row = KnowledgeArticle(
        key=key,
        version=version,
        retired=retired,
        created_at=now,
        created_by=actor.username,
        **{f: fields.get(f) for f in FIELDS},
    )
    session.add(row)
    try:
        session.flush()
        detail = {"key": key, "version": version, "title": row.title}
        audit.record(session=session, actor=actor, action=action, detail=detail)  # commits
    except IntegrityError as exc:  # another admin saved the same version at the same moment
        session.rollback()
        raise Conflict("knowledge.conflict", "文章已被他人同时修改，请刷新后重试") from exc
    return article_view(row)


def create_article(
    session: Session,
    *,
    actor: Actor,
    values: Mapping[str, Any],
    key: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Version 1 of a new article; ``key`` is made up when not given."""
    key = (key or "").strip() or f"kb-{uuid.uuid4().hex[:10]}"
    if not KEY.fullmatch(key):
        raise Invalid("knowledge.invalid", "文章编号只能由字母、数字、点、横线和下划线组成")
    fields = _clean(values)
    if session.scalar(select(func.count()).where(KnowledgeArticle.key == key)):
        raise Conflict("knowledge.exists", f"文章编号已存在：{key}")
    return _add(
        session, actor=actor, key=key, version=1, fields=fields, retired=False,
        now=now or now_local(), action="knowledge.create",
    )  # fmt: skip


def new_version(
    session: Session,
    *,
    actor: Actor,
    key: str,
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The next version: the latest version's fields with ``changes`` applied (a retired
    article is reinstated by a new version)."""
    latest = _versions(session, key)[-1]
    fields = {f: getattr(latest, f) for f in FIELDS} | {
        f: v for f, v in changes.items() if f in FIELDS
    }
    return _add(
        session, actor=actor, key=key, version=latest.version + 1, fields=_clean(fields),
        retired=False, now=now or now_local(), action="knowledge.version",
    )  # fmt: skip


def retire(
    session: Session, *, actor: Actor, key: str, now: datetime | None = None
) -> dict[str, Any]:
    """Take the article out of the knowledge base from today on (a retirement version)."""
    now = now or now_local()
    latest = _versions(session, key)[-1]
    if latest.retired:
        raise Conflict("knowledge.retired", f"文章已停用：{key}")
    fields = {f: getattr(latest, f) for f in FIELDS} | {"valid_from": now.date(), "valid_to": None}
    return _add(
        session, actor=actor, key=key, version=latest.version + 1, fields=fields, retired=True,
        now=now, action="knowledge.retire",
    )  # fmt: skip


def _covers(row: KnowledgeArticle, day: date) -> bool:
    return (row.valid_from is None or row.valid_from <= day) and (
        row.valid_to is None or day <= row.valid_to
    )


def current_of(versions: Iterable[KnowledgeArticle], day: date) -> KnowledgeArticle | None:
    """The version in force on ``day`` (None: retired, expired or not yet valid)."""
    covering = [v for v in versions if _covers(v, day)]
    best = max(covering, key=lambda v: v.version, default=None)
    return None if best is None or best.retired else best


def _by_key(rows: Iterable[KnowledgeArticle]) -> dict[str, list[KnowledgeArticle]]:
    out: dict[str, list[KnowledgeArticle]] = {}
    for r in sorted(rows, key=lambda r: (r.key, r.version)):
        out.setdefault(r.key, []).append(r)
    return out


def current_articles(session: Session, day: date) -> list[KnowledgeArticle]:
    """The version of every article in force on ``day`` (what the search indexes)."""
    versions = _by_key(session.scalars(select(KnowledgeArticle))).values()
    return [a for a in (current_of(v, day) for v in versions) if a is not None]


def signature(session: Session) -> tuple[int, int]:
    """Changes whenever an article changes (rows are only ever added)."""
    count, last = session.execute(
        select(func.count(KnowledgeArticle.id), func.max(KnowledgeArticle.id))
    ).one()
    return int(count or 0), int(last or 0)


# ------------------------------------------------------------------ the search index


def _article_entries(session: Session, day: date) -> list[Article]:
    """The admin's articles in force on ``day`` (one version each)."""
    return [
        Article(f"KB:{a.key}", a.title, a.body, a.version, a.valid_from, a.valid_to, "article")
        for a in current_articles(session, day)
    ]


def article_index(session: Session, day: date) -> KnowledgeBase:
    """The index of the articles in force on ``day``; rebuilt when an article changes or
    the day turns, unchanged texts not analysed again."""
    built_from = (signature(session), day)
    held = INDEXES.peek(session, "articles", None)
    if held is not None and held[0] == built_from:
        return held[1]
    with _kb_lock:
        index = KnowledgeBase().fit(
            _article_entries(session, day), terms=TERMS.get(session, "terms", dict)
        )
        INDEXES.put(session, "articles", (built_from, index))
    return index


def answers(
    session: Session,
    text: str,
    k: int = 3,
    *,
    wait: bool = True,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The best answers to a consultation: articles in force today first, then 相似历史答复
    (sanitised past answers, near-duplicates once) to fill ``k``
    (:func:`hotline.intel.knowledge.answers`). ``wait=False`` (a live console) never reads
    past answers in the request: until they are in memory, articles only."""
    day = (now or now_local()).date()
    history = knowledge_history.history_index(session, wait=wait)
    return kb.answers(article_index(session, day), history, text, k, on=day)


def warm(session: Session) -> dict[str, Any]:
    """Before serving: the word splitter, today's articles and the past answers in memory,
    so that the first consultation is answered at once; what it took."""
    started = time.perf_counter()
    kb.analyse("知识库")  # jieba loads its dictionary once (about a second)
    article_index(session, now_local().date())
    articles = time.perf_counter() - started
    return {"articles_seconds": round(articles, 3)} | knowledge_history.warm(session)


def article_view(row: KnowledgeArticle) -> dict[str, Any]:
    return {
        "key": row.key,
        "version": row.version,
        "title": row.title,
        "body": row.body,
        "category": row.category,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "retired": row.retired,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }


def _summary(versions: list[KnowledgeArticle], day: date) -> dict[str, Any]:
    current = current_of(versions, day)
    history = [
        {k: v for k, v in article_view(r).items() if k not in ("key", "body")}
        for r in reversed(versions)
    ]
    return {
        "key": versions[0].key,
        "current": article_view(current) if current else None,
        "latest_version": versions[-1].version,
        "retired": versions[-1].retired,
        "history": history,
    }


def list_articles(
    session: Session, *, current_only: bool = False, on: date | None = None
) -> list[dict[str, Any]]:
    """Every article with its version in force today (or ``on``) and its history, newest
    change first; ``current_only`` leaves out those with no version in force."""
    day = on or now_local().date()
    items = [_summary(v, day) for v in _by_key(session.scalars(select(KnowledgeArticle))).values()]
    if current_only:
        items = [i for i in items if i["current"]]
    return sorted(items, key=lambda i: i["history"][0]["created_at"], reverse=True)


def get_article(session: Session, *, key: str, on: date | None = None) -> dict[str, Any]:
    """One article: its version in force and every version (newest first)."""
    return _summary(_versions(session, key), on or now_local().date())
