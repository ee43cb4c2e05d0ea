"""Assistance over the live database: difficult tickets, intake suggestions, knowledge, review.

Models live under ``settings.models_dir / {difficulty,intake,review}``; the list
endpoints train a missing difficulty or intake model from the history on first use.
:mod:`hotline.services.assist.reassessment` re-scores changed tickets in batches with the
saved models (kept in memory per file version, see :func:`cached_model`). Handling-unit
users see only their own unit's tickets.
"""

from __future__ import annotations

import logging
import pickle
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import gc_freeze
from hotline.cache import Cache
from hotline.domain.difficulty import (
    difficulty_level,
    difficulty_points,
    is_difficult,
    shown_reasons,
)
from hotline.domain.tickets import (
    CHANNEL_LABELS,
    OPEN_STATUSES,
    TYPE_LABELS,
    URGENCY_LABELS,
    Actor,
    Role,
    Status,
    unit_scope,
)
from hotline.intel.difficulty import (
    DifficultyModel,
    RulesBaseline,
    repeat_counts,
    rules_estimate,
    went_wrong,
)
from hotline.intel.intake_assist import FIELDS as INTAKE_FIELDS
from hotline.intel.intake_assist import IntakeAssistant, extract
from hotline.intel.links import REPEAT_CALL_WINDOW
from hotline.intel.review import ReplyReviewer, cue_score, explain
from hotline.intel.sampling import bounded_sample
from hotline.services.admin.directory import unit_names
from hotline.services.assist import knowledge as knowledge_base
from hotline.services.tickets.queries import scoped
from hotline.store import difficulty as score_store
from hotline.store.db import settings_of
from hotline.store.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
HOLDOUT_DAYS = 61
ALERT_KIND = "difficult"
ALERT_ROLES = (Role.DISPATCHER.value, Role.SUPERVISOR.value)
CORRECTION_WEIGHT = 3.0
"""How much more an operator's correction of the machine counts when the intake model is
retrained (a human-checked label where the model was wrong)."""
_FINISHED = {Status.CLOSED.value}
#: Model file → (its version: mtime in ns, the model or None when unusable).
MODELS: Cache[tuple[int, Any]] = Cache("assist models", ttl=None, max_entries=64)


def model_path(session: Session, kind: str, models_dir: Path | None) -> Path:
    """Where the ``difficulty`` / ``intake`` model is saved (default: the models folder of
    the session's settings)."""
    return (models_dir or settings_of(session).models_dir) / kind / "model.pkl"


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
    """The record the difficulty model reads; ``unit`` the one it went to (training), else
    the ticket's unit now — none while it awaits dispatch (never the suggested one: what
    the score says about a unit holds only once the ticket has one)."""
    return {
        "content": t.content,
        "type": t.type,
        "urgency": t.urgency,
        "channel": t.channel,
        "town": t.town,
        "unit": unit or t.unit_code,
        "category": t.category,
        "created_at": t.created_at,
        # the model only compares callers: their phones' keyed hashes, never decrypted
        "caller_phone": t.caller_phone_hash,
    }


_HISTORY_COLUMNS = (
    Ticket.id,
    Ticket.content,
    Ticket.type,
    Ticket.urgency,
    Ticket.channel,
    Ticket.town,
    Ticket.unit_code,
    Ticket.category,
    Ticket.created_at,
    Ticket.caller_phone_hash,
    Ticket.status,
    Ticket.state,
)


def history(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
    """Dispatched tickets whose outcome is known, as intake records and went-wrong labels,
    oldest first (the columns it needs, read in one pass: no ticket objects)."""
    units = _first_units(session)
    rows = session.execute(select(*_HISTORY_COLUMNS).order_by(Ticket.created_at, Ticket.id))
    records, labels = [], []
    for t in rows:
        unit = units.get(t.id)
        if unit is None:
            continue  # never dispatched
        bad = went_wrong(t.state or {})
        if t.status not in _FINISHED and not bad:
            continue  # still open and nothing wrong yet: outcome unknown
        records.append(_record(t, unit))  # type: ignore[arg-type]
        labels.append(int(bad))
    for r, n in zip(records, repeat_counts(records), strict=True):
        r["repeat_calls"] = n
    return records, labels


def _bounded(
    records: list[dict[str, Any]], labels: list[int], limit: int, half_life_days: float
) -> tuple[list[dict[str, Any]], list[int]]:
    """At most ``limit`` rows (0: all): recency-weighted, both outcomes kept."""
    if limit <= 0 or len(records) <= limit:
        return records, labels
    times = [r["created_at"] for r in records]
    keep = bounded_sample(times, labels, limit, half_life_days=half_life_days)
    return [records[i] for i in keep], [labels[i] for i in keep]


def train_difficulty(
    session: Session,
    k: int = 50,
    *,
    models_dir: Path | None = None,
    max_tickets: int | None = None,
) -> dict[str, Any]:
    """Train on all but the last two months and score the model and the rules baseline on
    those months (the metrics saved with the model); then refit the model on the whole
    history, so that the units' latest record counts, and save it. A long history trains
    on a bounded sample (``max_tickets``, default ``HOTLINE_TRAIN_MAX_TICKETS``); the
    repeat calls are counted over the whole history first."""
    settings = settings_of(session)
    limit = settings.train_max_tickets if max_tickets is None else max_tickets
    half_life = settings.train_half_life_days
    records, labels = history(session)
    if not records:
        return {"error": "no history with known outcomes"}
    cutoff = max(r["created_at"] for r in records) - timedelta(days=HOLDOUT_DAYS)
    train = [i for i, r in enumerate(records) if r["created_at"] < cutoff]
    test = [i for i, r in enumerate(records) if r["created_at"] >= cutoff]
    tr_x, tr_y = _bounded([records[i] for i in train], [labels[i] for i in train], limit, half_life)
    te_x, te_y = [records[i] for i in test], [labels[i] for i in test]
    if len(set(tr_y)) < 2:
        return {"error": "history too short: the training months hold one outcome only"}
    model = DifficultyModel().fit(tr_x, tr_y)
    rules = RulesBaseline().fit(tr_x, tr_y)
    metrics = {
        "cutoff": cutoff.isoformat(),
        "train_rows": len(tr_x),
        "model": model.evaluate(te_x, te_y, k),
        "rules_baseline": rules.evaluate(te_x, te_y, k),
    }
    all_x, all_y = _bounded(records, labels, limit, half_life)
    DifficultyModel().fit(all_x, all_y).save(model_path(session, "difficulty", models_dir), metrics)
    log.info("difficulty model trained: %s", metrics)
    return metrics


def cached_model(path: Path, loader: Callable[[Path], Any]) -> Any | None:
    """The model saved at ``path``, loaded once per file version; None when there is none
    or it cannot be used (another format or code version: logged once per file)."""
    try:
        version = path.stat().st_mtime_ns
    except OSError:
        return None
    held = MODELS.peek(None, path, None)
    if held is not None and held[0] == version:
        return held[1]
    try:
        model = loader(path)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        log.warning("model %s unusable: %s", path, exc)
        model = None
    gc_freeze.settle()  # the model lives until its file changes
    MODELS.put(None, path, (version, model))
    return model


def _difficulty_model(session: Session, models_dir: Path | None) -> DifficultyModel | None:
    """The saved model; trained from the history when there is none or it is unusable."""
    path = model_path(session, "difficulty", models_dir)
    model = cached_model(path, DifficultyModel.load)
    if model is None:
        train_difficulty(session, models_dir=models_dir)
        model = cached_model(path, DifficultyModel.load)
    return model  # type: ignore[no-any-return]


def repeat_calls(session: Session, tickets: list[Ticket]) -> dict[int, int]:
    """Per ticket, the calls of its phone in the 30 days before it, found by the phone's
    stored keyed hash (no phone is decrypted; while a rotation of the data key runs,
    calls under the other key are not counted)."""
    wanted = {t.caller_phone_hash for t in tickets if t.caller_phone_hash}
    if not wanted:
        return {}
    earliest = min(t.created_at for t in tickets) - REPEAT_CALL_WINDOW
    rows = session.execute(
        select(Ticket.caller_phone_hash, Ticket.created_at).where(
            Ticket.caller_phone_hash.in_(wanted), Ticket.created_at >= earliest
        )
    ).all()
    calls: dict[str, list[datetime]] = defaultdict(list)
    for phone_hash, at in rows:
        calls[phone_hash].append(at)
    for times in calls.values():
        times.sort()
    out = {}
    for t in tickets:  # the caller's calls in the 30 days before this one (by bisection)
        times = calls.get(t.caller_phone_hash or "", [])
        window = t.created_at - REPEAT_CALL_WINDOW
        out[t.id] = bisect_left(times, t.created_at) - bisect_left(times, window)
    return out


def score_tickets(
    model: DifficultyModel,
    tickets: list[Ticket],
    repeats: dict[int, int],
    *,
    reasons: bool = True,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict]:
    """Score, level, warning and alert of each ticket; with ``reasons`` the factors that
    pushed it up (a second pass over the model: left out where nobody reads them), in the
    words of ``labels`` (:func:`reason_labels`)."""
    records = [_record(t) | {"repeat_calls": repeats.get(t.id, 0)} for t in tickets]
    scores = model.predict_proba(records)
    return [
        described(float(s), model.explain(r, labels=labels) if reasons else [])
        | {"alert": model.alert(float(s))}
        for r, s in zip(records, scores, strict=True)
    ]


def scores_to_keep(
    session: Session, model: DifficultyModel, tickets: list[Ticket], repeats: dict[int, int]
) -> list[dict]:
    """Each ticket's score as it is stored: with the reasons where its level shows them
    (中 and 高; a second pass over the model for those only), so that the difficult list
    reads them instead of explaining its rows in every request."""
    scores = score_tickets(model, tickets, repeats, reasons=False)
    shown = [i for i, s in enumerate(scores) if difficulty_level(s["score"]) != "低"]
    if shown:
        labels = reason_labels(session)
        again = score_tickets(model, [tickets[i] for i in shown], repeats, labels=labels)
        for i, explained in zip(shown, again, strict=True):
            scores[i] = explained
    return scores


def described(score: float, reasons: list[str]) -> dict[str, Any]:
    """A score as every page, the API and the notices show it: ``score`` (0–1), ``points``
    (0–100), ``level`` and ``warning`` by the domain's one rule, and the reasons shown
    (none for 低: :func:`hotline.domain.difficulty.shown_reasons`). All from the score as
    given out (3 decimals), so whoever reads ``score`` finds the same points and level."""
    score = round(score, 3)
    return {
        "score": score,
        "points": difficulty_points(score),
        "level": difficulty_level(score),
        "warning": is_difficult(score),
        "reasons": shown_reasons(score, reasons),
    }


def difficulty_for_ticket(
    session: Session, ticket: Ticket, *, models_dir: Path | None = None
) -> dict[str, Any]:
    """{score, points, level, warning, reasons, source} for one ticket: the model's, or
    without one the rules estimate (``source`` says which)."""
    model = _difficulty_model(session, models_dir)
    repeats = repeat_calls(session, [ticket])
    if model is None:
        found = rules_estimate(_record(ticket) | {"repeat_calls": repeats.get(ticket.id, 0)})
        return described(found["score"], found["reasons"]) | {"source": "rules"}
    found = score_tickets(model, [ticket], repeats, labels=reason_labels(session))[0]
    return found | {"source": "model"}


def reason_labels(session: Session) -> dict[str, Mapping[str, str]]:
    """What a difficulty reason calls the codes the model knows: 石门街道 for ``shimen``,
    投诉 for ``complaint``, 市平台转办 for ``city``."""
    names = unit_names(session)
    return {
        "unit": names,
        "town": names,
        "type": TYPE_LABELS,
        "urgency": URGENCY_LABELS,
        "channel": CHANNEL_LABELS,
    }


ON_THE_FLY = 1000
"""Open tickets without a stored score of the current model that the difficult list still
scores itself (a small district, or the minutes after a retraining); beyond that it shows
the stored scores and the ``difficulty_scan`` job scores the rest within its period."""
SCAN_BATCH = 500


def model_version(session: Session, models_dir: Path | None) -> str | None:
    """The version of the saved difficulty model that scores are stored under (its file's
    modification time in ns); None without a model."""
    try:
        return str(model_path(session, "difficulty", models_dir).stat().st_mtime_ns)
    except OSError:
        return None


def difficult_tickets(
    session: Session, *, viewer: Actor, top: int = 50, models_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Open tickets the viewer may see, most likely to go wrong first, with the reasons.

    Scores and reasons are the stored ones (``difficulty_scores``, written by the jobs
    worker), in the order of their index; ``scored_at`` says when each was computed. When
    fewer than ``top`` are stored (a small district, or just after a retraining), open
    tickets the current model has not scored yet are scored here while they are few
    (:data:`ON_THE_FLY`); otherwise a ticket not scored yet joins the list at the next
    ``difficulty_scan`` or ``assist_queue`` run."""
    model = _difficulty_model(session, models_dir)
    version = model_version(session, models_dir)
    if model is None or version is None:
        return []
    found = _stored_highest(session, viewer, version, top)
    missing: list[int] = []
    if len(found) < top:  # a small district, or the minutes after a retraining
        open_ = [s.value for s in OPEN_STATUSES]
        missing = score_store.unscored(session, open_, version, ON_THE_FLY + 1)
    if 0 < len(missing) <= ON_THE_FLY:
        query = scoped(select(Ticket).where(Ticket.id.in_(missing)), viewer)
        fresh = list(session.scalars(query))
        if fresh:
            scores = model.predict_proba(_records(session, fresh))
            found += [(t, float(s), None, None) for t, s in zip(fresh, scores, strict=True)]
    found.sort(key=lambda row: (-round(row[1], 3), -row[0].id))
    chosen = found[:top]
    unexplained = [t for t, _s, _at, reasons in chosen if reasons is None]
    explained = {}
    if unexplained:  # scored here just now: their reasons too
        scored = score_tickets(
            model, unexplained, repeat_calls(session, unexplained), labels=reason_labels(session)
        )
        explained = {t.id: s for t, s in zip(unexplained, scored, strict=True)}
    rows = []
    for t, score, at, reasons in chosen:
        said = explained.get(t.id) or described(score, reasons or []) | {
            "alert": model.alert(score)
        }
        rows.append(
            {"id": t.id, "number": t.number, "status": t.status, "unit": t.unit_code}
            | said
            | {"scored_at": at.isoformat(timespec="seconds") if at else None}
        )
    return rows


def _stored_highest(
    session: Session, viewer: Actor, version: str, top: int
) -> list[tuple[Ticket, float, datetime | None, list[str] | None]]:
    """The viewer's ``top`` open tickets by stored score, with when they were scored and
    their reasons, read page by page from the index until ``top`` are still open (a
    ticket closed since its score was stored is skipped; the next scan forgets it)."""
    open_ = {s.value for s in OPEN_STATUSES}
    unit = unit_scope(viewer)
    found: list[tuple[Ticket, float, datetime | None, list[str] | None]] = []
    skip, page = 0, top + 20
    while len(found) < top:
        rows = session.execute(score_store.highest(version, unit, page, skip)).all()
        if not rows:
            break
        query = scoped(select(Ticket).where(Ticket.id.in_([r[0] for r in rows])), viewer)
        tickets = {t.id: t for t in session.scalars(query) if t.status in open_}
        found += [(tickets[i], float(s), at, why) for i, s, _a, at, why in rows if i in tickets]
        skip += page
    return found[:top]


def _records(session: Session, tickets: list[Ticket]) -> list[dict[str, Any]]:
    repeats = repeat_calls(session, tickets)
    return [_record(t) | {"repeat_calls": repeats.get(t.id, 0)} for t in tickets]


def store_scores(
    session: Session,
    tickets: list[Ticket],
    scores: list[dict[str, Any]],
    *,
    version: str,
    now: datetime,
) -> None:
    """Keep each ticket's score (as :func:`score_tickets` gave it) under the model's
    version, in the session's transaction."""
    score_store.save_scores(
        session,
        (
            {
                "ticket_id": t.id,
                "unit": t.unit_code,
                "score": s["score"],
                "alert": bool(s["alert"]),
                "model": version,
                "scored_at": now,
                "reasons": s["reasons"],
            }
            for t, s in zip(tickets, scores, strict=True)
        ),
    )


def scan_difficulty(
    session: Session,
    *,
    now: datetime,
    models_dir: Path | None = None,
    limit: int = 50_000,
    pause: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Forget the scores of tickets no longer open, then score (without reasons) the open
    tickets the current model has not scored, oldest first, in batches of
    :data:`SCAN_BATCH` committed one by one, at most ``limit``. ``pause(n)`` is called
    after each batch of ``n`` (the job rests there)."""
    open_ = [s.value for s in OPEN_STATUSES]
    forgotten = score_store.forget_closed(session, open_)
    session.commit()
    model = cached_model(model_path(session, "difficulty", models_dir), DifficultyModel.load)
    version = model_version(session, models_dir)
    if model is None or version is None:
        return {"forgotten": forgotten, "scored": 0, "left": 0}
    scored = 0
    while scored < limit:
        ids = score_store.unscored(session, open_, version, min(SCAN_BATCH, limit - scored))
        if not ids:
            break
        tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(ids))))
        found = scores_to_keep(session, model, tickets, repeat_calls(session, tickets))
        store_scores(session, tickets, found, version=version, now=now)
        session.commit()
        scored += len(tickets)
        if pause is not None:
            pause(len(tickets))
    left = len(score_store.unscored(session, open_, version, limit))
    return {"forgotten": forgotten, "scored": scored, "left": left}


def intake_labels(tickets: list[Ticket]) -> tuple[dict[str, list[Any]], dict[str, list[float]]]:
    """Type/urgency/category of each ticket as labels, and their weights: a field the
    operator corrected at intake (the machine suggested another value) weighs
    :data:`CORRECTION_WEIGHT`."""
    labels: dict[str, list[Any]] = {f: [] for f in INTAKE_FIELDS}
    weights: dict[str, list[float]] = {f: [] for f in INTAKE_FIELDS}
    for t in tickets:
        kept = (t.suggestion or {}).get("intake") or {}
        for f in INTAKE_FIELDS:
            pair = kept.get(f) or {}
            labels[f].append(getattr(t, f))
            corrected = pair.get("corrected") and pair.get("chosen") == getattr(t, f)
            weights[f].append(CORRECTION_WEIGHT if corrected else 1.0)
    return labels, weights


_INTAKE_COLUMNS = (
    Ticket.content,
    Ticket.type,
    Ticket.urgency,
    Ticket.category,
    Ticket.suggestion,
    Ticket.created_at,
)


def train_intake(
    session: Session, *, models_dir: Path | None = None, max_tickets: int | None = None
) -> dict[str, Any]:
    """Train type/urgency/category suggestions on the history (last 20 % by time held out);
    the operators' corrections of earlier suggestions count more. A long history trains on
    a bounded sample (``max_tickets``, default ``HOTLINE_TRAIN_MAX_TICKETS``): recency-
    weighted, every category kept."""
    settings = settings_of(session)
    limit = settings.train_max_tickets if max_tickets is None else max_tickets
    tickets = list(session.execute(select(*_INTAKE_COLUMNS).order_by(Ticket.created_at, Ticket.id)))
    split = int(len(tickets) * 0.8)
    head = _bounded_tickets(tickets[:split], limit, settings.train_half_life_days)
    labels, weights = intake_labels(head)  # type: ignore[arg-type]
    held = IntakeAssistant().fit([t.content for t in head], labels, weights)
    tail_labels, _ = intake_labels(tickets[split:])  # type: ignore[arg-type]
    metrics: dict[str, Any] = held.evaluate([t.content for t in tickets[split:]], tail_labels)
    metrics["train_rows"] = len(head)
    chosen = _bounded_tickets(tickets, limit, settings.train_half_life_days)
    labels, weights = intake_labels(chosen)  # type: ignore[arg-type]
    metrics["corrections"] = {f: sum(w > 1 for w in weights[f]) for f in INTAKE_FIELDS}
    model = IntakeAssistant().fit([t.content for t in chosen], labels, weights)
    model.save(model_path(session, "intake", models_dir), metrics)
    return metrics


def _bounded_tickets(tickets: list[Any], limit: int, half_life_days: float) -> list[Any]:
    """At most ``limit`` of the tickets (0: all), recency-weighted, every category kept."""
    if limit <= 0 or len(tickets) <= limit:
        return tickets
    keep = bounded_sample(
        [t.created_at for t in tickets],
        [t.category or "" for t in tickets],
        limit,
        half_life_days=half_life_days,
    )
    return [tickets[i] for i in keep]


def intake_suggestions(
    session: Session,
    text: str,
    address: str | None = None,
    caller_phone: str | None = None,
    *,
    models_dir: Path | None = None,
) -> dict[str, Any]:
    """Suggested type, urgency and category plus the address, phones and names in the text."""
    path = model_path(session, "intake", models_dir)
    if not path.exists() and session.scalar(select(func.count()).select_from(Ticket)):
        train_intake(session, models_dir=models_dir)
    found = extract(text, address)
    if caller_phone and caller_phone not in found["phone"]:
        found["phone"].insert(0, caller_phone)
    model = cached_model(path, IntakeAssistant.load)
    suggestions = model.suggest(text) if model is not None else {}
    return {f: suggestions.get(f, []) for f in ("type", "urgency", "category")} | found


def knowledge_answers(session: Session, text: str, k: int = 5) -> list[dict[str, Any]]:
    """The ``k`` best answers for a consultation text: articles in force first, then
    相似历史答复 (:func:`hotline.services.assist.knowledge.answers`)."""
    return knowledge_base.answers(session, text, k)


def review_scores(
    session: Session, *, viewer: Actor, models_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Replied tickets awaiting review, weakest reply first."""
    query = select(Ticket).where(Ticket.status == Status.REPLIED.value)
    tickets = {t.id: t for t in session.scalars(scoped(query, viewer)).all()}
    if not tickets:
        return []
    replies: dict[int, str] = {}
    for ticket_id, data in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data)
        .where(TicketEvent.action == "reply", TicketEvent.ticket_id.in_(list(tickets)))
        .order_by(TicketEvent.seq)
    ):
        replies[ticket_id] = str((data or {}).get("content") or "")
    path = model_path(session, "review", models_dir)
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
