"""模型管理 for the admin: each kind of model with its versions and held-out figures,
promotion (guarded by :func:`hotline.intel.registry.worse_than`), rollback, and a
retraining started as a background job. Every change is audited.

Only smart dispatch keeps versions (:class:`hotline.intel.registry.ModelRegistry`); the
intake assistant and the difficulty model are one saved file each, replaced when they
are retrained. A serving process picks up a promotion at its next use of the model: the
registry's pointer file is checked (one ``stat``) at every intake, and the single-file
models are reloaded when their file changes.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.domain.tickets import Actor, Role
from hotline.intel.difficulty import DifficultyModel
from hotline.intel.intake_assist import IntakeAssistant
from hotline.intel.registry import (
    ModelFormatError,
    ModelInfo,
    ModelRegistry,
    ModelWorseError,
    RegistryError,
    read_card,
    worse_than,
)
from hotline.services.admin import audit
from hotline.services.assist.difficulty import cached_model, model_path
from hotline.services.jobs.runner import default_worker, recent_runs, run_now
from hotline.store.db import settings_of, sibling_session

log = logging.getLogger(__name__)

KINDS = {
    "dispatch": "智能派单",
    "intake": "受理辅助（诉求类型、紧急程度、分类）",
    "difficulty": "疑难工单识别",
}
"""The kinds of model, as the admin knows them."""
VERSIONED = frozenset({"dispatch"})
RETRAIN_JOBS = {"dispatch": "dispatch_retrain"}
"""The background job that retrains each kind (a kind without one is not retrained here)."""
METRIC_LABELS = {
    "accuracy": "准确率",
    "macro_f1": "宏平均F1",
    "auto_rate": "自动派单率",
    "auto_accuracy": "自动派单准确率",
    "threshold": "自动派单阈值",
    "ece": "置信度校准误差",
    "type_accuracy": "诉求类型准确率",
    "urgency_accuracy": "紧急程度准确率",
    "category_accuracy": "分类准确率",
    "auc": "区分度（AUC）",
    "precision_at_50": "前50张命中率",
    "recall_at_threshold": "疑难工单检出率",
    "alert_precision": "预警准确率",
    "alert_share": "预警比例",
}
"""Held-out figures shown, in this order, with their Chinese names."""
_GUARDED = {"macro_f1": "宏平均F1", "auto_rate": "自动派单率"}
_NOT_SHARES = frozenset({"threshold"})
JOB_STATES = {"running": "进行中", "done": "已完成", "failed": "失败"}


@dataclass(frozen=True)
class Version:
    """One version of a model as the page shows it."""

    version: str
    trained_at: str  # local text, minutes
    tickets: int | None  # tickets it was trained on
    held_out: int | None  # tickets it was measured on
    figures: list[tuple[str, str]]  # (Chinese name, value), in METRIC_LABELS order
    in_force: bool
    guard: str | None = None  # why promoting it needs a confirmation (worse than in force)


@dataclass(frozen=True)
class ModelKind:
    kind: str
    label: str
    versions: list[Version]  # newest first
    versioned: bool
    can_roll_back: bool
    retrain_job: str | None
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def in_force(self) -> Version | None:
        return next((v for v in self.versions if v.in_force), None)


def _require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("auth.forbidden", "只有系统管理员可以管理模型")


def _shown(name: str, value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return "—"
    return f"{value:.2f}" if name in _NOT_SHARES else f"{value * 100:.1f}%"


def figures(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """The held-out figures of a model card in Chinese, in :data:`METRIC_LABELS` order."""
    flat = {**metrics, **(metrics.get("model") or {})}  # the difficulty card nests them
    return [(label, _shown(k, flat[k])) for k, label in METRIC_LABELS.items() if k in flat]


def guard(candidate: dict[str, Any], current: dict[str, Any]) -> str | None:
    """Why ``candidate`` measures worse than the model in force, in Chinese (``None``: not
    worse). The rule is :func:`~hotline.intel.registry.worse_than`'s; only the words are
    made here."""
    if worse_than(candidate, current) is None:
        return None
    for key, label in _GUARDED.items():
        one = {"evaluation": candidate.get("evaluation")}
        other = {"evaluation": current.get("evaluation")}
        if (
            key in candidate
            and key in current
            and worse_than({**one, key: candidate[key]}, {**other, key: current[key]})
        ):
            mine, theirs = candidate[key] * 100, current[key] * 100
            return f"{label} {mine:.1f}% 低于现用版本的 {theirs:.1f}%"
    return "留出集成绩低于现用版本"


def _local(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return f"{moment:%Y-%m-%d %H:%M}"


def _dispatch_versions(registry: ModelRegistry) -> list[Version]:
    found = registry.list()
    current = next((i for i in found if i.promoted), None)
    out = []
    for info in reversed(found):
        out.append(_version(info, current))
    return out


def _version(info: ModelInfo, current: ModelInfo | None) -> Version:
    m, summary = info.metrics, info.data_summary
    warn = None
    if current is not None and not info.promoted:
        warn = guard(m, current.metrics)
    return Version(
        version=info.version,
        trained_at=_local(info.created_at),
        tickets=summary.get("n") or m.get("train_rows"),
        held_out=m.get("n"),
        figures=figures(m),
        in_force=info.promoted,
        guard=warn,
    )


_LOADERS: dict[str, Callable[[Path], Any]] = {
    "intake": IntakeAssistant.load,
    "difficulty": DifficultyModel.load,
}


def _single_file(session: Session, kind: str, models_dir: Path) -> list[Version]:
    path = model_path(session, kind, models_dir)
    model = cached_model(path, _LOADERS[kind])
    if model is None:
        return []
    metrics = dict(getattr(model, "metrics_", {}) or {})
    held = (metrics.get("model") or {}).get("n") or metrics.get("n")
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
    return [
        Version(
            version="现用",
            trained_at=_local(stamp),
            tickets=(getattr(model, "summary_", None) or {}).get("rows")
            or metrics.get("train_rows"),
            held_out=int(held) if isinstance(held, int | float) and not math.isnan(held) else None,
            figures=figures(metrics),
            in_force=True,
        )
    ]


def _runs(session: Session, job: str | None) -> list[dict[str, Any]]:
    if job is None:
        return []
    return [
        {
            "started_at": f"{run.started_at:%Y-%m-%d %H:%M}",
            "finished_at": f"{run.finished_at:%H:%M}" if run.finished_at else None,
            "state": run.status,
            "state_label": JOB_STATES.get(run.status, run.status),
            "manual": run.slot.startswith("manual:"),
            "outcome": _outcome(run.detail or {}),
        }
        for run in recent_runs(session, limit=5, job=job)
    ]


def _outcome(detail: dict[str, Any]) -> str:
    """A job run's result in words."""
    if "error" in detail:
        return "训练失败，详见系统日志"
    if "skipped" in detail:
        return f"未训练：{detail['skipped']}"
    if "version" in detail:
        if detail.get("promoted"):
            return f"已训练 {detail['version']} 并启用"
        return f"已训练 {detail['version']}，未启用（成绩不如现用版本）"
    return ""


def model_kinds(session: Session, *, models_dir: Path | None = None) -> list[ModelKind]:
    """Every kind of model with its versions (newest first) and the retraining runs."""
    root = models_dir or settings_of(session).models_dir
    out = []
    for kind, label in KINDS.items():
        if kind in VERSIONED:
            registry = ModelRegistry(root, kind)
            try:
                listed = _dispatch_versions(registry)
            except (OSError, ValueError, KeyError) as exc:  # a damaged folder: shown empty
                log.warning("model registry %s unreadable: %s", registry.folder, exc)
                listed = []
            can_roll_back = registry.can_roll_back()
        else:
            listed, can_roll_back = _single_file(session, kind, root), False
        job = RETRAIN_JOBS.get(kind)
        runs = _runs(session, job)
        out.append(ModelKind(kind, label, listed, kind in VERSIONED, can_roll_back, job, runs))
    return out


def _registry(session: Session, kind: str, models_dir: Path | None) -> ModelRegistry:
    if kind not in KINDS:
        raise NotFound("model.unknown_kind", f"没有这类模型：{kind}")
    if kind not in VERSIONED:
        raise Conflict("model.not_versioned", f"{KINDS[kind]}模型只保留现用的一份，没有版本可切换")
    return ModelRegistry(models_dir or settings_of(session).models_dir, kind)


def promote(
    session: Session,
    actor: Actor,
    kind: str,
    version: str,
    *,
    force: bool = False,
    models_dir: Path | None = None,
) -> str:
    """Put ``version`` in force; refused (``model.worse``) when it measures worse than the
    version in force, unless ``force``. Audited ``model.promote``. Returns the version."""
    _require_admin(actor)
    registry = _registry(session, kind, models_dir)
    current = registry.promoted()
    try:
        candidate = registry.info(version)
    except RegistryError as exc:
        raise NotFound("model.not_found", f"没有{KINDS[kind]}模型版本 {version}") from exc
    try:
        read_card_ok(candidate.path, kind)
        if current is not None and not force and current.version != version:
            why = guard(candidate.metrics, current.metrics)
            if why:
                raise Conflict(
                    "model.worse",
                    f"{version} 比现用版本 {current.version} 差（{why}）；确需启用请确认强制启用",
                )
        registry.promote(version, force=True)
    except ModelWorseError as exc:  # the registry's own guard (kept as a second line)
        raise Conflict("model.worse", str(exc)) from exc
    detail = {"kind": kind, "version": version, "previous": current.version if current else None}
    if force:
        detail["forced"] = True
    audit.record(session=session, actor=actor, action="model.promote", detail=detail)
    return version


def read_card_ok(path: Path, kind: str) -> None:
    """Refuse a version this code cannot load (another format): it could not serve."""
    try:
        read_card(path, kind)
    except ModelFormatError as exc:
        raise Conflict(
            "model.incompatible", "该版本由旧版程序训练，格式不兼容，不能启用；请重新训练"
        ) from exc


def roll_back(session: Session, actor: Actor, kind: str, *, models_dir: Path | None = None) -> str:
    """Put back the version in force before the current one. Audited ``model.rollback``."""
    _require_admin(actor)
    registry = _registry(session, kind, models_dir)
    current = registry.promoted()
    try:
        back = registry.rollback()
    except RegistryError as exc:
        raise Conflict("model.no_previous", "没有更早启用过的版本，无法回滚") from exc
    detail = {"kind": kind, "version": back.version, "from": current.version if current else None}
    audit.record(session=session, actor=actor, action="model.rollback", detail=detail)
    return back.version


Starter = Callable[[Callable[[], None]], None]


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="model-retrain", daemon=True).start()


def start_retraining(
    session: Session, actor: Actor, kind: str, *, start: Starter | None = None
) -> str:
    """Run the kind's retraining job now, in the background (``start``: how it is run);
    its progress is the job's run (进行中, 已完成, 失败). Audited ``model.retrain``.
    Refused while a run of it is under way."""
    _require_admin(actor)
    if kind not in KINDS:
        raise NotFound("model.unknown_kind", f"没有这类模型：{kind}")
    job = RETRAIN_JOBS.get(kind)
    if job is None:
        raise Invalid("model.no_retrain_job", f"{KINDS[kind]}模型没有重训任务")
    if any(run.status == "running" for run in recent_runs(session, limit=1, job=job)):
        raise Conflict("model.retraining", f"{KINDS[kind]}模型正在重训，请等它完成")
    audit.record(session=session, actor=actor, action="model.retrain", detail={"kind": kind})

    def work() -> None:
        try:
            run_now(lambda: sibling_session(session), job, worker=default_worker())
        except Exception:  # noqa: BLE001 - recorded by the job run; nobody to raise to
            log.exception("retraining %s failed", kind)

    (start or _in_thread)(work)
    return job
