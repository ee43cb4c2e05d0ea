"""受理辅助 for the console: what the machine offers while an operator types a call.

:func:`intake_assist` gathers, for the text, address and phone being typed: suggested
type and urgency (the intake model), what the text names (address, phones, people),
repeat calls of the phone and recent tickets about the same event, and for a
consultation the best knowledge-base answers (:func:`knowledge_answers`). Nothing here
writes; nothing here trains a model or rebuilds an index inside the request when
``background`` is set (a live console).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.cache import Cache, pool_of
from hotline.domain import tickets as lc
from hotline.intel import links
from hotline.intel.intake_assist import IntakeAssistant, extract
from hotline.services.analysis import topics
from hotline.services.assist import difficulty
from hotline.services.assist import knowledge as knowledge_base
from hotline.services.assist.difficulty import cached_model, model_path
from hotline.services.assist.ticket_insight import (
    LINK_COLUMNS,
    link,
    train_in_background,
)
from hotline.store.db import HotlineSession
from hotline.store.models import Ticket

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ knowledge base

KB_MAX_AGE = 60.0  # seconds a knowledge-base snapshot serves the console (new replies)
#: The snapshot per database; kept past :data:`KB_MAX_AGE` (an old answer beats none while
#: the next one is made), its age read from the moment stored beside it.
KB_SNAPSHOTS: Cache[tuple[float, Any]] = Cache("knowledge snapshots", ttl=None)
_kb_refreshing: set[Any] = set()  # the pools whose snapshot is being made
_kb_lock = threading.Lock()


def _refresh_knowledge(session: Session) -> None:
    """Rebuild the database's knowledge-base snapshot in a thread (one at a time)."""
    bind = session.get_bind()
    pool = pool_of(bind)
    with _kb_lock:
        if pool in _kb_refreshing:
            return
        _kb_refreshing.add(pool)

    def run() -> None:
        try:
            with HotlineSession(bind) as own:
                kb = knowledge_base.search_index(own)  # the index assist searches too
            KB_SNAPSHOTS.put(bind, "snapshot", (KB_SNAPSHOTS.now(), kb))
        except Exception:  # noqa: BLE001 - a background job logs, it cannot raise to anyone
            log.exception("knowledge base refresh failed")
        finally:
            with _kb_lock:
                _kb_refreshing.discard(pool)

    threading.Thread(target=run, name="knowledge-refresh", daemon=True).start()


def knowledge_answers(
    session: Session, text: str, *, k: int = 3, background: bool = True
) -> list[dict[str, Any]] | None:
    """Knowledge-base answers for a consultation, best first.

    ``background=True`` (a live console) answers from a snapshot of
    :func:`hotline.services.assist.knowledge.search_index` at most :data:`KB_MAX_AGE`
    old, refreshed in a thread, so typing never waits for the index to be refitted
    (about a second per refit at 15,000 replies, ~8 s for the first); ``None`` while the
    first snapshot is being made. ``background=False`` asks
    :func:`hotline.services.assist.difficulty.knowledge_answers` in the request.
    """
    if not background:
        return difficulty.knowledge_answers(session, text, k=k)
    held = KB_SNAPSHOTS.peek(session, "snapshot", None)
    if held is None or KB_SNAPSHOTS.now() - held[0] > KB_MAX_AGE:
        _refresh_knowledge(session)
    if held is None:
        return None
    return held[1].search(text, k)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ intake assistance


TYPE_NAMES = {t.value: label for t, label in lc.TYPE_LABELS.items()}
URGENCY_NAMES = {u.value: label for u, label in lc.URGENCY_LABELS.items()}


MIN_CONFIDENCE = 0.05  # a suggestion less likely than this is noise, not a hint


def _labelled(found: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The model's ``[{value, confidence}]`` with Chinese labels (unknown or unlikely values
    dropped; the first one is always kept)."""
    return [
        {"value": f["value"], "label": labels[f["value"]], "confidence": f["confidence"]}
        for i, f in enumerate(found)
        if f.get("value") in labels and (i == 0 or f["confidence"] >= MIN_CONFIDENCE)
    ]


def _by_numbers(session: Session, numbers: Sequence[str]) -> list[dict[str, Any]]:
    if not numbers:
        return []
    rows = session.execute(select(*LINK_COLUMNS).where(Ticket.number.in_(list(numbers))))
    by_number = {r.number: link(r) for r in rows}
    return [by_number[n] for n in numbers if n in by_number]


def intake_assist(
    session: Session,
    *,
    content: str,
    address: str,
    phone: str,
    kind: str,
    models_dir: Path,
    now: datetime,
    background: bool = True,
) -> dict[str, Any]:
    """Hints for a call being typed (see the module docstring); nothing here writes.

    ``background``: refresh the knowledge base and train a missing intake model in
    threads (a live console) rather than never / in the request (tests)."""
    model = cached_model(model_path("intake", models_dir), IntakeAssistant.load)
    suggested = model.suggest(content, top=2) if model is not None and content else {}
    found = extract(content, None)
    found["address"] = [a for a in found["address"] if a != address.strip()]
    found["phone"] = [p for p in found["phone"] if p != phone.strip()]
    if model is None and background:
        train_in_background(session, "intake", models_dir)
    answers: list[dict[str, Any]] | None = []
    if kind == lc.TicketType.CONSULT.value and len(content) >= 4:
        answers = knowledge_answers(session, content, k=3, background=background)
    hints = topics.intake_hints(session, content, phone.strip() or None, address or None, now=now)
    calls = 0
    if phone.strip():
        calls = int(
            session.scalar(
                select(func.count()).where(
                    Ticket.caller_phone == phone.strip(),
                    Ticket.created_at >= now - links.REPEAT_CALL_WINDOW,
                )
            )
            or 0
        )
    return {
        "model": model is not None,
        "types": _labelled(suggested.get("type", []), TYPE_NAMES),
        "urgencies": _labelled(suggested.get("urgency", []), URGENCY_NAMES),
        "found": found,
        "answers": answers or [],
        "answers_loading": answers is None,
        "repeat": _by_numbers(session, hints["repeat_caller"][:5]),
        "same_event": _by_numbers(session, hints["same_event"][:5]),
        "calls_30d": calls,
    }
