"""``hotline train|eval|dispatch|models``: the smart-dispatch model from the command line.

    hotline train dispatch --data t.csv --text-col title --text-col content --label-col unit \\
        [--address-col address] [--target-accuracy 0.97] --out var/models/new [--register]
    hotline eval dispatch --model DIR --data test.csv --text-col … --label-col unit [--json]
    hotline dispatch "小区楼下餐馆油烟扰民" [--address 白云区景泰街道…] [--model DIR] [--json]
    hotline models list | promote VERSION [--force] | rollback   [--kind dispatch]
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from hotline.cli.ops import audited, command_settings
from hotline.intel.dispatch import DispatchModel
from hotline.intel.dispatch_metrics import screened_figures
from hotline.intel.registry import ModelFormatError, ModelRegistry, RegistryError
from hotline.intel.text import join_fields


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ------------------------------------------------------------------ reading a CSV
class LabelledTickets:
    """Texts, labels, addresses and categories read from a CSV file, as parallel lists."""

    def __init__(
        self,
        texts: list[str],
        labels: list[str],
        addresses: list[str] | None,
        categories: list[str] | None = None,
    ):
        self.texts, self.labels, self.addresses = texts, labels, addresses
        self.categories = categories


def read_labelled_csv(
    path: Path,
    text_cols: Sequence[str],
    label_col: str,
    address_col: str | None = None,
    category_col: str | None = None,
) -> LabelledTickets:
    """Several text columns are joined with a newline; empty cells are fine, empty labels not
    (unless a ``category_col`` is given: then an empty label means no unit is right)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise click.BadParameter(
            f"无法读取 / cannot read {path}: {exc}", param_hint="--data"
        ) from exc
    wanted = [*text_cols, label_col, address_col, category_col]
    missing = [c for c in wanted if c and c not in header]
    if missing:
        raise click.BadParameter(
            f"{path} 中没有列 / has no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(header)})",
            param_hint="--data",
        )
    empty = [n for n, row in enumerate(rows, start=2) if not (row.get(label_col) or "").strip()]
    if empty and not category_col:
        shown = ", ".join(map(str, empty[:20])) + (" …" if len(empty) > 20 else "")
        raise click.BadParameter(
            f"列 {label_col!r} 有 {len(empty)} 行为空 / {len(empty)} empty label(s) in column "
            f"{label_col!r}, CSV line(s) {shown}",
            param_hint="--label-col",
        )
    if not rows:
        raise click.BadParameter(f"{path} 没有数据行 / has no data rows", param_hint="--data")
    return LabelledTickets(
        texts=[join_fields(row.get(c) for c in text_cols) for row in rows],
        labels=[row[label_col].strip() for row in rows],
        addresses=[row.get(address_col) or "" for row in rows] if address_col else None,
        categories=[row.get(category_col) or "" for row in rows] if category_col else None,
    )


def _data_options(f: Any) -> Any:
    options = [
        click.option(
            "--data",
            type=click.Path(dir_okay=False, path_type=Path),
            help="CSV file (UTF-8, header row).",
        ),
        click.option("--text-col", multiple=True, help="Text column(s), joined by newlines."),
        click.option("--label-col", help="Column of the handling unit (the label)."),
        click.option("--address-col", default=None, help="Address column (town routing)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _read_data(data, text_col, label_col, address_col, category_col=None) -> LabelledTickets:
    if data is None:
        raise click.UsageError("--data FILE.csv is required")
    if not data.exists():
        raise click.BadParameter(f"{data} 不存在 / does not exist", param_hint="--data")
    if not text_col or not label_col:
        raise click.UsageError("--text-col and --label-col are required with --data")
    return read_labelled_csv(data, text_col, label_col, address_col, category_col)


# ------------------------------------------------------------------------- train
class _ProgressBar:
    """Training stages as a progress bar on stderr."""

    def __init__(self, bar: Any) -> None:
        self.bar, self.done = bar, 0

    def __call__(self, stage: str, fraction: float) -> None:
        self.bar.label = f"训练 / training: {stage:<18}"
        step = int(round(100 * fraction)) - self.done
        if step > 0:
            self.bar.update(step)
            self.done += step


def train_dispatch_from_records(
    texts: Sequence[str],
    labels: Sequence[str],
    addresses: Sequence[str] | None,
    target_accuracy: float,
    out: Path | str,
    progress: Any = None,
) -> tuple[DispatchModel, dict]:
    """Train, save to ``out`` and return the model with its held-out validation metrics."""
    model = DispatchModel(target_accuracy=target_accuracy)
    model.fit(list(texts), list(labels), list(addresses) if addresses else None, progress=progress)
    model.save(out)
    return model, dict(model.validation_)


@click.group("train")
def train() -> None:
    """Train a model (训练模型)."""


@train.command("dispatch")
@_data_options
@click.option("--from-db", is_flag=True, help="Train on the dispatched tickets in the database.")
@click.option(
    "--target-accuracy",
    type=click.FloatRange(0.5, 1.0),
    default=0.97,
    show_default=True,
    help="Accuracy the auto-dispatch threshold must reach.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to write the model to (required with --data).",
)
@click.option("--register", is_flag=True, help="Also register it as a new version.")
@click.option("--force", is_flag=True, help="With --from-db: promote even if not better.")
@audited("model.train", when=lambda kw: kw.get("from_db") or kw.get("register"))
def train_dispatch(
    data, text_col, label_col, address_col, from_db, target_accuracy, out, register, force
) -> None:
    """Train the smart-dispatch model (智能转派) on a labelled CSV file or the database.

    With --from-db the labels are the system's own history (the unit that finally
    signed for each ticket, after returns, re-dispatches and overrides); the newest 15 %
    are held out, and the new model is promoted only if it is not worse there.
    """
    if from_db:
        _train_from_db(target_accuracy, force)
        return
    if out is None:
        raise click.UsageError("--out DIR is required with --data")
    tickets = _read_data(data, text_col, label_col, address_col)
    with click.progressbar(length=100, label="训练 / training", file=sys.stderr) as bar:
        try:
            model, found = train_dispatch_from_records(
                tickets.texts,
                tickets.labels,
                tickets.addresses,
                target_accuracy,
                out,
                progress=_ProgressBar(bar),
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--label-col") from exc
    click.echo(f"model → {out}")
    click.echo(_metrics_line(found))
    if register:
        registry = ModelRegistry(command_settings().models_dir, "dispatch")
        version = registry.register(model, found, model.training_)
        click.echo(f"registered as {version}")
        if registry.promoted() is None:
            registry.promote(version)
            click.echo(f"promoted {version} (first dispatch model)")


def _train_from_db(target_accuracy: float, force: bool) -> None:
    from hotline.cli.ops import _sessions, prepare_database
    from hotline.domain.errors import DomainError
    from hotline.services.dispatch.training import train_dispatch as train_on_history

    prepare_database()
    with _sessions()() as session:
        try:
            outcome = train_on_history(
                session=session,
                target_accuracy=target_accuracy,
                force=force,
                progress=lambda msg: click.echo(msg, err=True),
            )
        except DomainError as exc:
            raise click.ClickException(f"[{exc.code}] {exc.message}") from exc
    click.echo(outcome.text())


def _metrics_line(found: dict) -> str:
    return (
        f"validation: n={found['n']} accuracy={found['accuracy']:.4f} "
        f"macro_f1={found['macro_f1']:.4f} threshold={found['threshold']:.3f} "
        f"auto_rate={found['auto_rate']:.4f} auto_accuracy={found['auto_accuracy']:.4f} "
        f"ece={found['ece']:.4f}"
    )


# -------------------------------------------------------------------------- eval
def _load(model_dir: Path | None) -> DispatchModel:
    """The model in ``model_dir``, or the promoted one of the registry."""
    try:
        if model_dir is not None:
            return DispatchModel.load(model_dir)
        model = ModelRegistry(command_settings().models_dir, "dispatch").load_promoted()
    except ModelFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from exc
    if model is None:
        raise click.ClickException(
            "没有已上线的派单模型，请先训练并注册 / no promoted dispatch model: run "
            "`hotline train dispatch … --register` or pass --model DIR"
        )
    return model


@click.group("eval")
def eval_cmd() -> None:
    """Measure a model on labelled data (评估模型)."""


@eval_cmd.command("dispatch")
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model directory (default: the promoted model).",
)
@_data_options
@click.option(
    "--category-col",
    default=None,
    help="Column of each row's category (junk, out_of_district, clear…): figures per category; "
    "labels may then be empty (no unit is right) or list several units as a|b.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_dispatch(model_dir, data, text_col, label_col, address_col, category_col, as_json):
    """Accuracy, macro-F1, auto-dispatch rate/accuracy, abstention, calibration and speed."""
    model = _load(model_dir)
    tickets = _read_data(data, text_col, label_col, address_col, category_col)
    labelled = [i for i, label in enumerate(tickets.labels) if label]
    if not labelled:
        raise click.BadParameter(
            "没有标注承办单位的行 / no labelled rows", param_hint="--label-col"
        )
    addresses = tickets.addresses
    found = model.evaluate(
        [tickets.texts[i] for i in labelled],
        [tickets.labels[i].split("|")[0] for i in labelled],
        [addresses[i] for i in labelled] if addresses is not None else None,
    )
    screened = screened_figures(model, tickets.texts, addresses, tickets.labels, tickets.categories)
    screened["screened_n"] = screened.pop("n")
    found.update(screened)
    if as_json:
        _echo_json(found)
        return
    click.echo(
        f"abstained (left to a person): {found['abstain_rate']:.3f}; auto after screening: "
        f"{found['screened_auto_rate']:.3f} at accuracy {found['screened_auto_accuracy']}"
    )
    for category, row in (found.get("per_category") or {}).items():
        click.echo(
            f"  {category:<18} n={row['n']:<4} abstain {row['abstain_rate']:.3f}  "
            f"auto {row['screened_auto_rate']:.3f}  auto accuracy {row['screened_auto_accuracy']}"
        )
    click.echo(_metrics_line(found).replace("validation", "evaluation"))
    click.echo(
        f"speed: {found['tickets_per_s']:.0f} tickets/s, single p50 "
        f"{found['predict_ms_p50']:.2f} ms, p99 {found['predict_ms_p99']:.2f} ms"
    )
    click.echo(f"\n{'unit':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for unit, row in found["per_label"].items():
        click.echo(
            f"{unit:<24}{row['precision']:>10.3f}{row['recall']:>10.3f}"
            f"{row['f1']:>10.3f}{row['support']:>9}"
        )
    click.echo(f"\n{'threshold':>10}{'auto_rate':>11}{'auto_acc':>10}")
    for point in found["curve"]:
        click.echo(
            f"{point['threshold']:>10.2f}{point['auto_rate']:>11.3f}{point['auto_accuracy']:>10.3f}"
        )


# ---------------------------------------------------------------------- dispatch
@click.command("dispatch")
@click.argument("text")
@click.option("--address", default=None, help="Where it happens (事发地址).")
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model directory (default: the promoted model).",
)
@click.option("-k", "--top", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def dispatch_cmd(text, address, model_dir, top, as_json) -> None:
    """Suggest the handling unit of one ticket (智能转派)."""
    model = _load(model_dir)
    found = model.suggest(text, address, k=top, threshold=command_settings().dispatch_threshold)
    if as_json:
        _echo_json(found.to_dict())
        return
    mode = "自动派单 / auto" if found.auto else "人工确认 / to a dispatcher"
    click.echo(f"{found.unit}  {found.confidence:.3f}  {mode}")
    if found.town:
        click.echo(f"town: {found.town}")
    click.echo("alternatives: " + ", ".join(f"{u} {p:.3f}" for u, p in found.alternatives))
    click.echo(
        "依据 / evidence: "
        + "、".join(found.reasons)
        + (f"；地点 {found.place}" if found.place else "")
    )
    if found.abstain:
        click.echo(f"转人工 / left to a person: {found.abstain}")


# ------------------------------------------------------------------------ models
@click.group("models")
@click.option("--kind", default="dispatch", show_default=True, help="Kind of model.")
@click.pass_context
def models(ctx: click.Context, kind: str) -> None:
    """Registered model versions: list, promote, roll back (模型管理)."""
    ctx.obj = ModelRegistry(command_settings().models_dir, kind)


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def models_list(registry: ModelRegistry, as_json: bool) -> None:
    """Every version with its held-out metrics; * marks the promoted one."""
    found = registry.list()
    if as_json:
        _echo_json([{**vars(info), "path": str(info.path)} for info in found])
        return
    if not found:
        click.echo(f"no {registry.kind} models under {registry.folder}")
    for info in found:
        m = info.metrics
        click.echo(
            f"{'*' if info.promoted else ' '} {info.version}  {info.created_at}  "
            f"macro_f1={m.get('macro_f1', float('nan')):.4f}  "
            f"auto_rate={m.get('auto_rate', float('nan')):.4f}  "
            f"auto_accuracy={m.get('auto_accuracy', float('nan')):.4f}  n={m.get('n', '?')}"
        )


@models.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even if it measures worse.")
@click.pass_obj
@audited("model.promote")
def models_promote(registry: ModelRegistry, version: str, force: bool) -> None:
    """Put VERSION in use (refused if worse than the current one, unless --force)."""
    try:
        info = registry.promote(version, force=force)
    except (RegistryError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"promoted {info.version}")


@models.command("rollback")
@click.pass_obj
@audited("model.rollback")
def models_rollback(registry: ModelRegistry) -> None:
    """Go back to the previously promoted version."""
    try:
        info = registry.rollback()
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"rolled back to {info.version}")
