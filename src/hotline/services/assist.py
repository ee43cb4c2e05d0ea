"""Assistance over the live database: difficult tickets, intake suggestions, knowledge, review.

Models live under ``get_settings().models_dir / {difficulty,intake,review}``; a missing
difficulty or intake model is trained from the history on first use. Handling-unit
users see only their own unit's tickets.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.domain.tickets import OPEN_STATUSES, Actor, Role, Status
from hotline.intel.difficulty import DifficultyModel, RulesBaseline, repeat_counts, went_wrong
from hotline.intel.intake_assist import IntakeAssistant, extract
from hotline.intel.knowledge import Article, KnowledgeBase
from hotline.intel.review import ReplyReviewer, cue_score, explain
from hotline.store.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
HOLDOUT_DAYS = 61
_FINISHED = {Status.CLOSED.value}
_kb_cache: dict[str, tuple[int, KnowledgeBase]] = {}


def _path(kind: str, models_dir: Path | None) -> Path:
    return (models_dir or get_settings().models_dir) / kind / "model.pkl"


def _first_units(session: Session) -> dict[int, str]:
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data)
        .where(TicketEvent.action == "dispatch")
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    )
    out: dict[int, str] = {}
    for ticket_id, data in rows:
        out.setdefault(ticket_id, (data or {}).get("unit"))
    return out


def _record(t: Ticket, unit: str | None = None) -> dict[str, Any]:
    return {
        "content": t.content,
        "type": t.type,
        "urgency": t.urgency,
        "channel": t.channel,
        "town": t.town,
        "unit": unit or t.unit_code or t.suggested_unit,
        "category": t.category,
        "created_at": t.created_at,
        "caller_phone": t.caller_phone,
    }


def history(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
    """Dispatched tickets whose outcome is known, as intake records and went-wrong labels."""
    units = _first_units(session)
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(list(units)))).all()
    records, labels = [], []
    for t in tickets:
        bad = went_wrong(t.state or {})
        if t.status not in _FINISHED and not bad:
            continue  # still open and nothing wrong yet: outcome unknown
        records.append(_record(t, units[t.id]))
        labels.append(int(bad))
    for r, n in zip(records, repeat_counts(records), strict=True):
        r["repeat_calls"] = n
    return records, labels


def train_difficulty(
    session: Session, k: int = 50, *, models_dir: Path | None = None
) -> dict[str, Any]:
    """Train on all but the last two months, evaluate both models on those months, save."""
    records, labels = history(session)
    if not records:
        return {"error": "no history with known outcomes"}
    cutoff = max(r["created_at"] for r in records) - timedelta(days=HOLDOUT_DAYS)
    train = [i for i, r in enumerate(records) if r["created_at"] < cutoff]
    test = [i for i, r in enumerate(records) if r["created_at"] >= cutoff]
    tr_x, tr_y = [records[i] for i in train], [labels[i] for i in train]
    te_x, te_y = [records[i] for i in test], [labels[i] for i in test]
    if len(set(tr_y)) < 2:
        return {"error": "history too short: the training months hold one outcome only"}
    model = DifficultyModel().fit(tr_x, tr_y)
    rules = RulesBaseline().fit(tr_x, tr_y)
    metrics = {
        "cutoff": cutoff.isoformat(),
        "train_rows": len(train),
        "model": model.evaluate(te_x, te_y, k),
        "rules_baseline": rules.evaluate(te_x, te_y, k),
    }
    model.save(_path("difficulty", models_dir), metrics)
    log.info("difficulty model trained: %s", metrics)
    return metrics


def _difficulty_model(session: Session, models_dir: Path | None) -> DifficultyModel | None:
    path = _path("difficulty", models_dir)
    if not path.exists():
        train_difficulty(session, models_dir=models_dir)
    return DifficultyModel.load(path) if path.exists() else None


def _repeat_calls(session: Session, tickets: list[Ticket]) -> dict[int, int]:
    phones = {t.caller_phone for t in tickets if t.caller_phone}
    if not phones:
        return {}
    earliest = min(t.created_at for t in tickets) - timedelta(days=30)
    rows = session.execute(
        select(Ticket.caller_phone, Ticket.created_at).where(
            Ticket.caller_phone.in_(phones), Ticket.created_at >= earliest
        )
    ).all()
    out = {}
    for t in tickets:
        window = t.created_at - timedelta(days=30)
        out[t.id] = sum(1 for p, at in rows if p == t.caller_phone and window <= at < t.created_at)
    return out


def _score(model: DifficultyModel, tickets: list[Ticket], repeats: dict[int, int]) -> list[dict]:
    records = [_record(t) | {"repeat_calls": repeats.get(t.id, 0)} for t in tickets]
    scores = model.predict_proba(records)
    return [
        {
            "score": round(float(s), 3),
            "level": model.level(float(s)),
            "warning": bool(s >= model.threshold_),
            "reasons": model.explain(r),
        }
        for r, s in zip(records, scores, strict=True)
    ]


def difficulty_for_ticket(
    session: Session, ticket: Ticket, *, models_dir: Path | None = None
) -> dict[str, Any]:
    """{score, level, warning, reasons} for one ticket, as known at its intake."""
    model = _difficulty_model(session, models_dir)
    if model is None:
        return {"score": None, "level": "未知", "warning": False, "reasons": ["尚无训练好的模型"]}
    return _score(model, [ticket], _repeat_calls(session, [ticket]))[0]


def _scoped(query: Any, viewer: Actor) -> Any:
    if viewer.role == Role.UNIT:
        return query.where(Ticket.unit_code == viewer.unit)
    return query


def difficult_tickets(
    session: Session, *, viewer: Actor, top: int = 50, models_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Open tickets the viewer may see, most likely to go wrong first."""
    query = select(Ticket).where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
    tickets = list(session.scalars(_scoped(query, viewer)).all())
    if not tickets:
        return []
    model = _difficulty_model(session, models_dir)
    if model is None:
        return []
    scored = _score(model, tickets, _repeat_calls(session, tickets))
    rows = [
        {"id": t.id, "number": t.number, "status": t.status, "unit": t.unit_code} | s
        for t, s in zip(tickets, scored, strict=True)
    ]
    rows.sort(key=lambda r: -r["score"])
    return rows[:top]


def train_intake(session: Session, *, models_dir: Path | None = None) -> dict[str, Any]:
    """Train type/urgency/category suggestions on the history (last 20 % by time held out)."""
    tickets = session.scalars(select(Ticket).order_by(Ticket.created_at)).all()
    split = int(len(tickets) * 0.8)
    labels = {f: [getattr(t, f) for t in tickets] for f in ("type", "urgency", "category")}
    texts = [t.content for t in tickets]
    held = IntakeAssistant().fit(texts[:split], {f: v[:split] for f, v in labels.items()})
    metrics = held.evaluate(texts[split:], {f: v[split:] for f, v in labels.items()})
    model = IntakeAssistant().fit(texts, labels)
    model.save(_path("intake", models_dir), metrics)
    return metrics


def intake_suggestions(
    session: Session,
    text: str,
    address: str | None = None,
    caller_phone: str | None = None,
    *,
    models_dir: Path | None = None,
) -> dict[str, Any]:
    """Suggested type, urgency and category plus the address, phones and names in the text."""
    path = _path("intake", models_dir)
    if not path.exists() and session.scalar(select(func.count()).select_from(Ticket)):
        train_intake(session, models_dir=models_dir)
    found = extract(text, address)
    if caller_phone and caller_phone not in found["phone"]:
        found["phone"].insert(0, caller_phone)
    suggestions = IntakeAssistant.load(path).suggest(text) if path.exists() else {}
    return {f: suggestions.get(f, []) for f in ("type", "urgency", "category")} | found


def _knowledge(session: Session) -> KnowledgeBase:
    latest = session.scalar(select(func.max(TicketEvent.id))) or 0
    key = str(session.get_bind().url)
    cached = _kb_cache.get(key)
    if cached and cached[0] == latest:
        return cached[1]
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.data, Ticket.content)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.action.in_(["close_at_intake", "reply"]),
            func.coalesce(Ticket.satisfaction, "satisfied") != "unsatisfied",
        )
    ).all()
    articles = {}
    for ticket_id, _action, data, content in rows:
        body = (data or {}).get("answer") or (data or {}).get("content")
        if body:  # the latest good reply of a ticket wins
            articles[ticket_id] = Article(f"T{ticket_id}", content[:60], body, kind="reply")
    kb = KnowledgeBase().fit(list(articles.values()))
    _kb_cache[key] = (latest, kb)
    return kb


def knowledge_answers(session: Session, text: str, k: int = 5) -> list[dict[str, Any]]:
    """The ``k`` best matching past answers for a consultation text, ranked with scores."""
    return _knowledge(session).search(text, k)


def review_scores(
    session: Session, *, viewer: Actor, models_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Replied tickets awaiting review, weakest reply first."""
    query = select(Ticket).where(Ticket.status == Status.REPLIED.value)
    tickets = {t.id: t for t in session.scalars(_scoped(query, viewer)).all()}
    if not tickets:
        return []
    replies: dict[int, str] = {}
    for ticket_id, data in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data)
        .where(TicketEvent.action == "reply", TicketEvent.ticket_id.in_(list(tickets)))
        .order_by(TicketEvent.seq)
    ):
        replies[ticket_id] = str((data or {}).get("content") or "")
    path = _path("review", models_dir)
    model = ReplyReviewer.load(path) if path.exists() else None
    out = []
    for tid, reply in replies.items():
        t = tickets[tid]
        score = (
            model.predict_proba([t.content], [reply])[0] if model else cue_score(t.content, reply)
        )
        row = {"id": tid, "number": t.number, "unit": t.unit_code, "score": round(float(score), 3)}
        out.append(row | explain(t.content, reply) | {"reply": reply})
    out.sort(key=lambda r: r["score"])
    return out
