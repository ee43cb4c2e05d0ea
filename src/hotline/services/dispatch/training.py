"""The learning loop of smart dispatch: labels from the system's own history.

A ticket's label is the unit that finally accepted it: the unit holding it after every
return (退单), re-dispatch (改派) and dispatcher override, once that unit signed for it
(签收). So each correction a person makes becomes a label for the next model.

The newest 15 % of labelled tickets (by intake time) are held out: a candidate is
trained on the rest and measured there, and so is the model in use. Only when the
candidate is not worse is the model refitted on the whole labelled history (so the newest
corrections count at once) and promoted; its recorded metrics are the held-out ones.

A long history trains on a bounded sample of it (``HOTLINE_TRAIN_MAX_TICKETS``,
:mod:`hotline.intel.sampling`): recency-weighted, every unit kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import Conflict
from hotline.intel.dispatch import DispatchModel, data_hash
from hotline.intel.registry import ModelRegistry
from hotline.intel.sampling import bounded_sample
from hotline.store.db import settings_of
from hotline.store.models import Ticket

log = logging.getLogger(__name__)
HOLDOUT_SHARE = 0.15
MIN_TICKETS = 200


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    labels: list[str]
    addresses: list[str | None]
    times: list[datetime] = field(default_factory=list)

    def rows(self, index: Any) -> LabelledSet:
        """The rows at ``index`` (positions), in their order."""
        pick = [int(i) for i in index]
        return LabelledSet(
            [self.texts[i] for i in pick],
            [self.labels[i] for i in pick],
            [self.addresses[i] for i in pick],
            [self.times[i] for i in pick] if self.times else [],
        )

    def bounded(self, limit: int, half_life_days: float) -> LabelledSet:
        """At most ``limit`` rows: recency-weighted, every unit kept (0: all)."""
        if limit <= 0 or len(self.texts) <= limit:
            return self
        return self.rows(
            bounded_sample(self.times, self.labels, limit, half_life_days=half_life_days)
        )


@dataclass(frozen=True)
class TrainingOutcome:
    version: str
    promoted: bool
    metrics: dict[str, Any]
    current_metrics: dict[str, Any] | None
    why_not: str | None = None

    def text(self) -> str:
        m = self.metrics
        head = (
            f"模型 {self.version}：留出集 {m['n']} 张，准确率 {m['accuracy']:.3f}，"
            f"macro-F1 {m['macro_f1']:.3f}，阈值 {m['threshold']:.2f} 时自动派单率 "
            f"{m['auto_rate']:.3f}、自动派单准确率 {m['auto_accuracy']:.3f}"
        )
        if self.promoted:
            return head + "；已上线。"
        return head + f"；未上线（{self.why_not}）。"


def labelled_tickets(session: Session) -> LabelledSet:
    """Tickets with a final, accepted unit, oldest first."""
    rows = session.execute(
        select(Ticket.content, Ticket.unit_code, Ticket.address, Ticket.created_at)
        .where(
            Ticket.unit_code.is_not(None), Ticket.signed_at.is_not(None), Ticket.status != "merged"
        )
        .order_by(Ticket.created_at, Ticket.id)
    ).all()
    return LabelledSet(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]
    )


def _split(data: LabelledSet) -> tuple[LabelledSet, LabelledSet]:
    cut = int(len(data.texts) * (1 - HOLDOUT_SHARE))
    return data.rows(range(cut)), data.rows(range(cut, len(data.texts)))


def _evaluate(model: DispatchModel, held: LabelledSet) -> dict[str, Any]:
    found = model.evaluate(held.texts, held.labels, held.addresses, timing=False)
    keep = ("n", "accuracy", "macro_f1", "threshold", "auto_rate", "auto_accuracy", "ece")
    metrics = {k: found[k] for k in keep if k in found}
    metrics["evaluation"] = data_hash(held.texts, held.labels, held.addresses)
    return metrics


def train_dispatch_from_db(
    *,
    session: Session,
    progress: Callable[[str], None] | None = None,
    target_accuracy: float = 0.97,
    models_dir: Path | None = None,
) -> str:
    """Train, measure, register and (if not worse) promote; returns a readable summary."""
    return train_dispatch(
        session=session, progress=progress, target_accuracy=target_accuracy, models_dir=models_dir
    ).text()


def train_dispatch(
    *,
    session: Session,
    progress: Callable[[str], None] | None = None,
    target_accuracy: float = 0.97,
    models_dir: Path | None = None,
    force: bool = False,
    max_tickets: int | None = None,
) -> TrainingOutcome:
    """``max_tickets`` bounds each fit's rows (default ``HOTLINE_TRAIN_MAX_TICKETS``)."""
    say = progress or (lambda _msg: None)
    settings = settings_of(session)
    limit = settings.train_max_tickets if max_tickets is None else max_tickets
    data = labelled_tickets(session)
    if len(data.texts) < MIN_TICKETS or len(set(data.labels)) < 2:
        raise Conflict(
            "model.too_little_data",
            f"可用于训练的已签收工单不足（{len(data.texts)} 张，至少需要 "
            f"{MIN_TICKETS} 张、2 个单位）",
        )
    whole, held = _split(data)
    train = whole.bounded(limit, settings.train_half_life_days)
    sampled = f"（从 {len(whole.texts)} 张中抽样）" if len(train.texts) < len(whole.texts) else ""
    say(f"训练智能派单模型：训练 {len(train.texts)} 张{sampled}，留出 {len(held.texts)} 张…")
    model = DispatchModel(target_accuracy=target_accuracy)
    model.fit(train.texts, train.labels, train.addresses)
    metrics = _evaluate(model, held)
    metrics["train_rows"] = len(train.texts)
    registry = ModelRegistry(models_dir or settings.models_dir, "dispatch")
    current = registry.load_promoted()
    current_metrics = _evaluate(current, held) if current is not None else None
    why = _worse(metrics, current_metrics)
    if why is not None and not force:
        version = registry.register(model, metrics, _summary(train, held=len(held.texts)))
        return TrainingOutcome(version, False, metrics, current_metrics, why)
    say("留出集评估通过，用全部工单重新训练（含最新的退单、改派标签）…")
    data = data.bounded(limit, settings.train_half_life_days)
    final = DispatchModel(target_accuracy=target_accuracy)
    final.fit(data.texts, data.labels, data.addresses)
    version = registry.register(final, metrics, _summary(data, held=len(held.texts)))
    registry.promote(version, force=True)
    return TrainingOutcome(version, True, metrics, current_metrics)


def _summary(data: LabelledSet, *, held: int) -> dict[str, Any]:
    return {
        "n": len(data.texts),
        "units": len(set(data.labels)),
        "hash": data_hash(data.texts, data.labels, data.addresses),
        "source": "database",
        "held_out_for_metrics": held,
    }


def _worse(candidate: dict[str, Any], current: dict[str, Any] | None) -> str | None:
    """Why the candidate is worse than the model in use on the same held-out tickets."""
    if current is None:
        return None
    for key, label in (("macro_f1", "macro-F1"), ("auto_rate", "自动派单率")):
        if candidate[key] < current[key]:
            return f"{label} {candidate[key]:.3f} 低于当前模型的 {current[key]:.3f}"
    return None
