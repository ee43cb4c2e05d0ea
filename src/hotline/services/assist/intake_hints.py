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
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.intel import links
from hotline.intel.intake_assist import IntakeAssistant, extract
from hotline.intel.titles import suggest_title
from hotline.services.analysis import topics
from hotline.services.assist import knowledge as knowledge_base
from hotline.services.assist import knowledge_history
from hotline.services.assist.difficulty import cached_model, model_path
from hotline.services.assist.ticket_insight import (
    LINK_COLUMNS,
    link,
    train_in_background,
)
from hotline.store.crypto import session_ring
from hotline.store.models import Ticket

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ knowledge base


def knowledge_answers(
    session: Session, text: str, *, k: int = 3, background: bool = True
) -> list[dict[str, Any]]:
    """Knowledge-base answers for a consultation, best first: articles in force, then
    相似历史答复 (:func:`hotline.services.assist.knowledge.answers`).

    ``background=True`` (a live console) never reads past answers in the request: they are
    read at start-up and refreshed in a thread, and until then the articles answer alone.
    ``background=False`` reads what is missing in the request.
    """
    return knowledge_base.answers(session, text, k, wait=not background)


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
    model = cached_model(model_path(session, "intake", models_dir), IntakeAssistant.load)
    suggested = model.suggest(content, top=2) if model is not None and content else {}
    found = extract(content, None)
    found["address"] = [a for a in found["address"] if a != address.strip()]
    found["phone"] = [p for p in found["phone"] if p != phone.strip()]
    if model is None and background:
        train_in_background(session, "intake", models_dir)
    answers: list[dict[str, Any]] = []
    if kind == lc.TicketType.CONSULT.value and len(content) >= 4:
        answers = knowledge_answers(session, content, k=3, background=background)
    hints = topics.intake_hints(session, content, phone.strip() or None, address or None, now=now)
    calls = 0
    if phone.strip():
        calls = int(
            session.scalar(
                select(func.count()).where(
                    Ticket.caller_phone_hash.in_(session_ring(session).phone_hashes(phone)),
                    Ticket.created_at >= now - links.REPEAT_CALL_WINDOW,
                )
            )
            or 0
        )
    types = _labelled(suggested.get("type", []), TYPE_NAMES)
    urgencies = _labelled(suggested.get("urgency", []), URGENCY_NAMES)
    return {
        "model": model is not None,
        "preselect": {
            name: found_[0]["value"]
            for name, found_ in (("type", types), ("urgency", urgencies))
            if found_ and found_[0]["confidence"] >= PRESELECT_CONFIDENCE
        },
        "title": suggest_title(content),
        "types": types,
        "urgencies": urgencies,
        "found": found,
        "answers": [a for a in answers if a["kind"] == "article"],
        "history_answers": [a for a in answers if a["kind"] != "article"],
        "history_loading": bool(answers) and not knowledge_history.ready(session),
        "repeat": _by_numbers(session, hints["repeat_caller"][:5]),
        "same_event": _by_numbers(session, hints["same_event"][:5]),
        "calls_30d": calls,
    }


#: The least confidence at which the machine's type or urgency is taken for a call the
#: operator did not classify (the form shows the same choice preselected).
PRESELECT_CONFIDENCE = 0.4


def machine_kind(session: Session, content: str, models_dir: Path | None) -> dict[str, str]:
    """The type and urgency the intake model is confident of for ``content`` (each only at
    :data:`PRESELECT_CONFIDENCE` or more), e.g. ``{"type": "praise"}``; nothing without a
    model. What the intake form preselects, and what a call submitted before the hints
    arrived is recorded with, instead of the form's default."""
    model = cached_model(model_path(session, "intake", models_dir), IntakeAssistant.load)
    if model is None or not content.strip():
        return {}
    found = model.suggest(content, top=1)
    picked: dict[str, str] = {}
    for field in ("type", "urgency"):
        best = (found.get(field) or [None])[0]
        if best and best.get("confidence", 0) >= PRESELECT_CONFIDENCE:
            picked[field] = str(best["value"])
    return picked
