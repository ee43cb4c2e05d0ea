"""What the console shows around one ticket or one call, computed for that ticket only.

* :func:`difficulty` — 疑难度 of a ticket with its reasons (the trained difficulty model
  when there is one, else a transparent rules estimate) and the trouble already seen.
* :func:`linked_tickets` — 关联工单: merged tickets, the same-event group (same town,
  similar text, within 3 days) and repeat calls of the same phone within 30 days.
* :func:`merge_suggestions` — 合并建议 among the tickets awaiting dispatch.

Everything here reads a handful of rows (indexed look-ups) so a console page stays
fast on a large database. Models are read from ``models_dir`` and kept in memory per
file version; a missing model is never trained inside a request — the caller may ask
for it to be trained in the background (:func:`train_in_background`). The help while
a call is typed is in :mod:`hotline.services.assist.intake_hints`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.domain import tickets as lc
from hotline.intel import links
from hotline.intel.difficulty import DifficultyModel, rules_estimate
from hotline.intel.intake_assist import IntakeAssistant
from hotline.services.assist import difficulty as assist_models
from hotline.services.assist.difficulty import cached_model, model_path
from hotline.services.tickets.queries import scoped
from hotline.store.crypto import session_ring
from hotline.store.db import sibling_session
from hotline.store.models import Ticket

log = logging.getLogger(__name__)

MAX_CANDIDATES = 400
MAX_LINKED = 10
RETRY_TRAINING = 600.0  # seconds between background training attempts of one model

#: The models whose training started less than :data:`RETRY_TRAINING` seconds ago.
TRAINING_STARTED: Cache[bool] = Cache("training attempts", ttl=RETRY_TRAINING)
_running: set[Path] = set()
_training_lock = threading.Lock()


# ------------------------------------------------------------------ models


def train_in_background(session: Session, kind: str, models_dir: Path) -> bool:
    """Train a missing or unusable (saved by another code version) ``difficulty`` or
    ``intake`` model in a thread (one at a time per model, a new attempt at most every
    :data:`RETRY_TRAINING` seconds); True while a training is under way."""
    path = model_path(session, kind, models_dir)
    trainers = {"difficulty": assist_models.train_difficulty, "intake": assist_models.train_intake}
    loaders = {"difficulty": DifficultyModel.load, "intake": IntakeAssistant.load}
    trainer = trainers[kind]
    usable = cached_model(path, loaders[kind]) is not None
    with _training_lock:
        if path in _running:
            return True
        if usable or TRAINING_STARTED.peek(None, path, False):
            return False
        TRAINING_STARTED.put(None, path, True)
        _running.add(path)
    own_session = sibling_session(session)

    def run() -> None:
        try:
            with own_session as own:
                trainer(own, models_dir=models_dir)
        except Exception:  # noqa: BLE001 - a background job logs, it cannot raise to anyone
            log.exception("background training of the %s model failed", kind)
        finally:
            with _training_lock:
                _running.discard(path)

    threading.Thread(target=run, name=f"train-{kind}", daemon=True).start()
    return True


# ------------------------------------------------------------------ difficulty


def _record(ticket: Ticket, repeat_calls: int) -> dict[str, Any]:
    """The intake record the difficulty model reads (as ``assist`` builds it)."""
    return {
        "content": ticket.content,
        "type": ticket.type,
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "town": ticket.town,
        "unit": ticket.unit_code,  # none before dispatch: no unit reasons (可能派错)
        "category": ticket.category,
        "created_at": ticket.created_at,
        "caller_phone": ticket.caller_phone,
        "repeat_calls": repeat_calls,
    }


def earlier_calls(session: Session, ticket: Ticket) -> int:
    """Calls from the same phone in the 30 days before this ticket (one COUNT)."""
    if not ticket.caller_phone:
        return 0
    query = select(func.count()).where(
        Ticket.caller_phone_hash.in_(session_ring(session).phone_hashes(ticket.caller_phone)),
        Ticket.created_at >= ticket.created_at - links.REPEAT_CALL_WINDOW,
        Ticket.created_at < ticket.created_at,
        Ticket.id != ticket.id,
    )
    return int(session.scalar(query) or 0)


def trouble_seen(ticket: Ticket, now: datetime) -> list[str]:
    """What has already gone wrong with the ticket (退单、延期、超期、不满意、重办、督办)."""
    state = ticket.state or {}
    seen = []
    for key, label in (
        ("returns", "退单"),
        ("extensions", "延期"),
        ("reopens", "重办"),
        ("urgings", "被督办"),
    ):
        if int(state.get(key) or 0):
            seen.append(f"{label} {int(state[key])} 次")
    if ticket.reply_due is not None:
        if ticket.replied_at is not None and ticket.replied_at > ticket.reply_due:
            seen.append("超期答复")
        elif ticket.replied_at is None and ticket.closed_at is None and now > ticket.reply_due:
            seen.append("已超期未答复")
    if ticket.satisfaction == "unsatisfied":
        seen.append("回访不满意")
    return seen


def difficulty(
    session: Session, ticket: Ticket, *, models_dir: Path, now: datetime
) -> dict[str, Any]:
    """疑难度 of one ticket: ``{score, level, warning, reasons, source, seen, repeat_calls}``.

    ``source`` is ``"model"`` (the trained difficulty model, as known at intake) or
    ``"rules"`` (no model yet). ``seen`` lists the trouble that already happened.
    """
    repeats = earlier_calls(session, ticket)
    record = _record(ticket, repeats)
    model = cached_model(model_path(session, "difficulty", models_dir), DifficultyModel.load)
    if model is not None:
        score = float(model.predict_proba([record])[0])
        reasons = model.explain(record, labels=assist_models.reason_labels(session))
        found = assist_models.described(score, reasons) | {"source": "model"}
    else:
        estimate = rules_estimate(record)
        found = assist_models.described(estimate["score"], estimate["reasons"])
        found["source"] = "rules"
    return found | {"seen": trouble_seen(ticket, now), "repeat_calls": repeats}


# ------------------------------------------------------------------ linked tickets

#: The columns a linked ticket shows (never the caller).
LINK_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.content,
    Ticket.status,
    Ticket.unit_code,
    Ticket.town,
    Ticket.created_at,
    Ticket.merged_into,
)


def link(row: Any, similarity: float | None = None) -> dict[str, Any]:
    """A ticket as a link in a list (a row of :data:`LINK_COLUMNS`; text cut to 80)."""
    return {
        "id": row.id,
        "number": row.number,
        "content": row.content[:80],
        "status": row.status,
        "unit": row.unit_code,
        "created_at": row.created_at,
        "similarity": None if similarity is None else round(similarity, 2),
    }


def _similarities(text: str, others: Sequence[str]) -> list[float]:
    if not others:
        return []
    texts = [*others, text]
    pairs = [(i, len(others)) for i in range(len(others))]
    return [float(s) for s in links.pair_similarity(texts, pairs)]


def _merged(session: Session, ticket: Ticket, viewer: lc.Actor) -> list[dict[str, Any]]:
    wanted = Ticket.merged_into == ticket.id
    if ticket.merged_into is not None:
        wanted = or_(wanted, Ticket.id == ticket.merged_into)
    rows = session.execute(scoped(select(*LINK_COLUMNS).where(wanted), viewer).limit(50))
    out = []
    for row in rows:
        item = link(row)
        item["role"] = "main" if row.id == ticket.merged_into else "merged"
        out.append(item)
    return out


def _same_event(session: Session, ticket: Ticket, viewer: lc.Actor) -> list[dict[str, Any]]:
    """The ticket's same-event group among tickets of its town within 3 days either side."""
    conditions = [
        Ticket.created_at >= ticket.created_at - links.SAME_EVENT_WINDOW,
        Ticket.created_at <= ticket.created_at + links.SAME_EVENT_WINDOW,
        Ticket.id != ticket.id,
    ]
    if ticket.town:
        conditions.append(or_(Ticket.town == ticket.town, Ticket.town.is_(None)))
    query = select(*LINK_COLUMNS).where(*conditions).order_by(Ticket.created_at.desc())
    rows = list(session.execute(scoped(query, viewer).limit(MAX_CANDIDATES)))
    if not rows:
        return []
    group = links.same_event_groups(
        links.Tickets(
            texts=[r.content for r in rows] + [ticket.content],
            times=[r.created_at for r in rows] + [ticket.created_at],
            places=[r.town for r in rows] + [ticket.town],
        ),
        within=links.SAME_EVENT_WINDOW,
    )
    me = len(rows)
    members = next((g for g in group if me in g), [])
    picked = [rows[i] for i in members if i != me]
    sims = _similarities(ticket.content, [r.content for r in picked])
    found = [link(r, s) for r, s in zip(picked, sims, strict=True)]
    found.sort(key=lambda item: item["created_at"])
    return found[:MAX_LINKED]


def _repeat_calls(session: Session, ticket: Ticket, viewer: lc.Actor) -> list[dict[str, Any]]:
    """Other tickets of the same phone within 30 days either side, alike ones marked."""
    if not ticket.caller_phone:
        return []
    query = select(*LINK_COLUMNS).where(
        Ticket.caller_phone_hash.in_(session_ring(session).phone_hashes(ticket.caller_phone)),
        Ticket.created_at >= ticket.created_at - links.REPEAT_CALL_WINDOW,
        Ticket.created_at <= ticket.created_at + links.REPEAT_CALL_WINDOW,
        Ticket.id != ticket.id,
    )
    rows = list(session.execute(scoped(query, viewer).order_by(Ticket.created_at).limit(50)))
    sims = _similarities(ticket.content, [r.content for r in rows])
    out = []
    for row, sim in zip(rows, sims, strict=True):
        item = link(row, sim)
        item["same_matter"] = sim >= links.SAME_MATTER
        out.append(item)
    return out[-MAX_LINKED:]


def linked_tickets(session: Session, ticket: Ticket, *, viewer: lc.Actor) -> dict[str, Any]:
    """关联工单 the viewer may see: ``merged``, ``same_event`` and ``repeat`` (3 queries)."""
    return {
        "merged": _merged(session, ticket, viewer),
        "same_event": _same_event(session, ticket, viewer),
        "repeat": _repeat_calls(session, ticket, viewer),
    }


# ------------------------------------------------------------------ merge suggestions

RECENT_OPEN = timedelta(days=7)


def merge_suggestions(
    session: Session, *, viewer: lc.Actor, now: datetime, top: int = 10
) -> list[dict[str, Any]]:
    """合并建议 for the dispatcher: same-event groups holding tickets awaiting dispatch.

    Candidates are the tickets awaiting dispatch and the open tickets of the last 7
    days (same town, similar text, within 3 days: :func:`hotline.intel.links.same_event_groups`).
    The main ticket (主工单) of a group is its earliest ticket already dispatched, else
    its earliest; the others awaiting dispatch are proposed for merging into it.
    """
    awaiting = lc.Status.AWAITING_DISPATCH.value
    open_statuses = [s.value for s in lc.OPEN_STATUSES]
    query = select(*LINK_COLUMNS).where(
        Ticket.merged_into.is_(None),
        or_(
            Ticket.status == awaiting,
            (Ticket.status.in_(open_statuses)) & (Ticket.created_at >= now - RECENT_OPEN),
        ),
    )
    query = scoped(query, viewer).order_by(Ticket.created_at.desc()).limit(3 * MAX_CANDIDATES)
    rows = list(session.execute(query))
    if len(rows) < 2:
        return []
    groups = links.same_event_groups(
        links.Tickets(
            texts=[r.content for r in rows],
            times=[r.created_at for r in rows],
            places=[r.town for r in rows],
        ),
        within=links.SAME_EVENT_WINDOW,
    )
    out = []
    for group in groups:
        members = sorted((rows[i] for i in group), key=lambda r: (r.created_at, r.id))
        dispatched = [r for r in members if r.status != awaiting]
        main = dispatched[0] if dispatched else members[0]
        waiting = [r for r in members if r.status == awaiting and r.id != main.id]
        if not waiting:
            continue
        moving = {r.id for r in waiting}
        others = [r for r in members if r.id != main.id and r.id not in moving]
        out.append(
            {
                "main": link(main),
                "merge": [link(r) for r in waiting[:MAX_LINKED]],
                "others": [link(r) for r in others[:MAX_LINKED]],
                "size": len(members),
                "town": main.town,
            }
        )
        if len(out) == top:
            break
    return out
