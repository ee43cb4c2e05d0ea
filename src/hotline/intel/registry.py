"""Trained models on disk (模型管理): model directories, versions, metrics, promotion.

A model directory holds ``model.joblib`` and ``model.json``, the model's card: kind, format
version, code version, when it was made, its parameters, a summary of its training data and
its held-out metrics. A registry keeps versions under ``root/<kind>/<version>/`` and the
promoted one in ``root/<kind>/promoted.json`` (written atomically), with its history for
rollback.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

import hotline
from hotline import gc_freeze
from hotline.cache import Cache

log = logging.getLogger(__name__)

FORMAT_VERSIONS = {"dispatch": 2}  # 2: top-2 margin calibration
"""Format version of each kind of model this code reads and writes."""
CARD = "model.json"
PAYLOAD = "model.joblib"
REGISTERED = "registered.json"
POINTER = "promoted.json"
CROSS_EVALUATION_TOLERANCE = 0.01
"""Slack when two models were measured on different held-out sets (sampling noise)."""


class ModelFormatError(ValueError):
    """A model directory this code cannot read (wrong kind, format version, or missing)."""

    code = "model.incompatible"


class ModelWorseError(ValueError):
    """Promotion refused: the candidate measures worse than the promoted model."""

    code = "model.worse"


class RegistryError(ValueError):
    """Unknown version, nothing to roll back to."""

    code = "model.not_found"


def _write_json_atomically(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(content, f, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def save_model(model: Any, path: Path | str, kind: str = "dispatch") -> Path:
    """Write ``model`` and its card into the directory ``path`` (created if needed)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path / PAYLOAD, compress=("zlib", 1))
    card = {
        "kind": kind,
        "format_version": FORMAT_VERSIONS[kind],
        "code_version": hotline.__version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(model.card() if hasattr(model, "card") else {}),
    }
    _write_json_atomically(path / CARD, card)
    return path


def read_card(path: Path | str, kind: str = "dispatch") -> dict:
    """The card of a model directory, checked against this code's format version."""
    path = Path(path)
    try:
        card = json.loads((path / CARD).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelFormatError(
            f"{path}: 没有可读的 {CARD}，不是模型目录 / no readable {CARD}: not a model directory"
        ) from e
    expected = FORMAT_VERSIONS[kind]
    if card.get("kind", kind) != kind or card.get("format_version") != expected:
        raise ModelFormatError(
            f"{path}: 模型格式版本 {card.get('format_version')!r}（{card.get('kind')}）与本程序"
            f"（{kind} 格式 {expected}，hotline {hotline.__version__}）不兼容，请重新训练 / "
            f"model format version {card.get('format_version')!r} ({card.get('kind')}) is "
            f"incompatible with this code ({kind} format {expected}, hotline "
            f"{hotline.__version__}); retrain the model"
        )
    return card


def load_model(path: Path | str, kind: str = "dispatch") -> Any:
    """Load a model directory after checking its card."""
    card = read_card(path, kind)
    model = joblib.load(Path(path) / PAYLOAD)
    model.card_ = card
    return model


@dataclass
class ModelInfo:
    """One registered version."""

    version: str
    path: Path
    created_at: str
    metrics: dict = field(default_factory=dict)
    data_summary: dict = field(default_factory=dict)
    promoted: bool = False


#: registry folder → (pointer file stamp, promoted version, its model)
PROMOTED: Cache[tuple[tuple[int, int, int], str, Any]] = Cache(
    "promoted models", ttl=None, max_entries=64
)
_load_lock = threading.Lock()  # one model loaded at a time (a second load would be waste)


class ModelRegistry:
    """Versions of one kind of model under ``root/kind``; one of them promoted."""

    def __init__(self, root: Path | str, kind: str = "dispatch") -> None:
        self.root = Path(root)
        self.kind = kind

    @property
    def folder(self) -> Path:
        return self.root / self.kind

    def _pointer(self) -> dict:
        try:
            return json.loads((self.folder / POINTER).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"promoted": None, "history": []}

    def register(self, model: Any, metrics: dict, data_summary: dict) -> str:
        """Save ``model`` as a new version with its held-out metrics; returns the version."""
        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[1:]) for p in self.folder.glob("v[0-9]*") if p.name[1:].isdigit()]
        version = f"v{max(numbers, default=0) + 1:04d}"
        path = save_model(model, self.folder / version, self.kind)
        _write_json_atomically(
            path / REGISTERED,
            {
                "version": version,
                "registered_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "metrics": metrics,
                "data_summary": data_summary,
            },
        )
        log.info("registered %s model %s", self.kind, version)
        return version

    def info(self, version: str) -> ModelInfo:
        path = self.folder / version
        try:
            entry = json.loads((path / REGISTERED).read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise RegistryError(f"没有模型版本 {version} / no model version {version}") from e
        return ModelInfo(
            version,
            path,
            entry["registered_at"],
            entry.get("metrics", {}),
            entry.get("data_summary", {}),
            self._pointer()["promoted"] == version,
        )

    def list(self) -> list[ModelInfo]:
        """Every registered version, oldest first."""
        if not self.folder.exists():
            return []
        found = sorted(p.name for p in self.folder.iterdir() if (p / REGISTERED).exists())
        return [self.info(v) for v in found]

    def promoted(self) -> ModelInfo | None:
        version = self._pointer()["promoted"]
        return self.info(version) if version else None

    def promote(self, version: str, *, force: bool = False) -> ModelInfo:
        """Make ``version`` the model in use, unless it measures worse than the current one."""
        candidate, current = self.info(version), self.promoted()
        if current and current.version == version:
            return candidate
        if current and not force:
            why = worse_than(candidate.metrics, current.metrics)
            if why:
                raise ModelWorseError(
                    f"{version} 比当前模型 {current.version} 差（{why}），如确需上线请加 --force / "
                    f"{version} is worse than the promoted {current.version} ({why}); "
                    "use --force to promote anyway"
                )
        pointer = self._pointer()
        history = [*pointer.get("history", []), version]
        _write_json_atomically(self.folder / POINTER, {"promoted": version, "history": history})
        log.info("promoted %s model %s", self.kind, version)
        return self.info(version)

    def can_roll_back(self) -> bool:
        """Whether a version was promoted before the current one."""
        return len(self._pointer().get("history", [])) >= 2

    def rollback(self) -> ModelInfo:
        """Promote again the version promoted before the current one."""
        history = self._pointer().get("history", [])
        if len(history) < 2:
            raise RegistryError("没有可回滚的上一个模型 / no previously promoted model")
        history = history[:-1]
        _write_json_atomically(self.folder / POINTER, {"promoted": history[-1], "history": history})
        return self.info(history[-1])

    def load_promoted(self) -> Any | None:
        """The promoted model, loaded once per version (cached across registry objects).

        Called at every intake: while the pointer file is unchanged (same mtime, size and
        inode; a promotion replaces it atomically) the answer is one ``stat``, no reading.
        """
        folder = str(self.folder)
        try:
            st = (self.folder / POINTER).stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = PROMOTED.peek(None, folder, None)
        if cached is not None and cached[0] == stamp:
            return cached[2]
        current = self.promoted()
        if current is None:
            return None
        with _load_lock:
            cached = PROMOTED.peek(None, folder, None)
            if cached is None or cached[1] != current.version:
                model = load_model(current.path, self.kind)
                model.card_ = {**model.card_, "version": current.version}
                cached = (stamp, current.version, model)
                gc_freeze.settle()  # the model lives until the next promotion
            PROMOTED.put(None, folder, (stamp, current.version, cached[2]))
            return cached[2]


def worse_than(candidate: dict, current: dict) -> str | None:
    """Why ``candidate`` metrics are worse than ``current`` (None if not worse).

    Compared: macro-F1 and the auto-dispatch rate at the target accuracy. On the same
    evaluation set (same ``evaluation`` fingerprint) any drop counts; across different
    held-out sets a drop must exceed ``CROSS_EVALUATION_TOLERANCE``.
    """
    same = candidate.get("evaluation") and candidate.get("evaluation") == current.get("evaluation")
    tolerance = 0.0 if same else CROSS_EVALUATION_TOLERANCE
    for key in ("macro_f1", "auto_rate"):
        if key in candidate and key in current and candidate[key] < current[key] - tolerance:
            return f"{key} {candidate[key]:.4f} < {current[key]:.4f}"
    return None
