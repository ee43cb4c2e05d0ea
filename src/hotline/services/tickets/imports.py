"""Importing a unit's historical tickets from CSV or XLSX: all rows or none.

Every row is checked first; one bad row rejects the file and the report names every
bad row (line, field, reason). Only a clean file is written, in one transaction.

A file is imported once: its SHA-256 is recorded (``import_batches``) in the same
transaction as its tickets, under a unique constraint, so running it again — after a
crash, or at the same moment in another process — is refused with
``import.already_imported``. A killed import recorded nothing and may simply be run
again. Rows carrying a source ticket number (原工单号) are imported once too, even
from another file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.errors import Invalid
from hotline.schemas import TicketImport
from hotline.services.admin.directory import list_units
from hotline.services.tickets.lifecycle import record_intake
from hotline.store.db import refresh_statistics
from hotline.store.models import ImportBatch, Ticket

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
IMPORT_ACTOR = lc.Actor("import", lc.Role.ADMIN)
#: An import of this many tickets or more refreshes the planner's statistics after it.
STATISTICS_AFTER_ROWS = 1000

#: Column names understood without --map (field → accepted headers).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "content": ("content", "诉求内容", "内容"),
    "address": ("address", "事发地址", "地址"),
    "caller_name": ("caller_name", "诉求人", "姓名"),
    "caller_phone": ("caller_phone", "联系电话", "电话"),
    "type": ("type", "诉求类型", "类型"),
    "urgency": ("urgency", "紧急程度"),
    "channel": ("channel", "来源", "来源渠道"),
    "category": ("category", "事项分类"),
    "created_at": ("created_at", "受理时间"),
    "unit": ("unit", "承办单位"),
    "source_number": ("source_number", "原工单号", "工单编号"),
}
_LABELS = {
    "type": {
        "咨询": "consult",
        "求助": "help",
        "投诉": "complaint",
        "举报": "report",
        "建议": "suggestion",
        "表扬": "praise",
    },
    "urgency": {"一般": "normal", "紧急": "urgent"},
    "channel": {"电话": "phone", "网页": "web", "微信": "wechat", "市平台转办": "city"},
}


@dataclass
class RowError:
    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    def text(self) -> str:
        if self.errors:
            lines = [
                f"导入失败：{self.file} 共 {self.rows} 行，{len(self.errors)} 处错误，"
                "未写入任何工单。"
            ]
            lines += [f"  第 {e.line} 行 [{e.field}] {e.reason}" for e in self.errors]
            return "\n".join(lines)
        return f"导入完成：{self.file} 共 {self.rows} 行，新建工单 {self.created} 张。"


@dataclass
class CheckedRow:
    line: int
    ticket: TicketImport
    unit: str | None


class ImportRejected(Invalid):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import.rejected", report.text())
        self.report = report


class AlreadyImported(Invalid):
    """The file (the same bytes) was imported before: nothing is written again."""

    def __init__(self, batch: ImportBatch, file: str) -> None:
        message = (
            f"该文件已于 {batch.imported_at:%Y-%m-%d %H:%M} 导入（{batch.row_count:,} 张工单），"
            "未重复导入"
        )
        if batch.file_name != file:
            message += f"（当时的文件名：{batch.file_name}）"
        super().__init__(
            "import.already_imported",
            message,
            batch_id=batch.id,
            digest=batch.digest,
            imported_at=batch.imported_at,
            rows=batch.row_count,
        )
        self.batch = batch


def read_file(path: Path) -> bytes:
    """The bytes of an import file, refusing one over 20 MB or of another type."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Invalid("import.too_large", "文件超过 20 MB")
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise Invalid("import.unsupported", "只支持 .csv 和 .xlsx 文件")
    return path.read_bytes()


def read_rows(path: Path, raw: bytes) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8 or GBK) or XLSX file (``raw``, read from ``path``) as header → text."""
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(raw)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise Invalid("import.encoding", "无法识别文件编码（请使用 UTF-8 或 GBK）")
    return [dict(r) for r in csv.DictReader(io.StringIO(text))]


def _read_xlsx(raw: bytes) -> list[dict[str, str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise Invalid("import.bad_file", "不是有效的 xlsx 文件") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise Invalid("import.zip_bomb", "xlsx 解压后过大，疑似恶意文件，已拒绝")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return [
        {h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)}
        for row in rows[1:]
    ]


def _resolve_columns(header: list[str], field_map: dict[str, str]) -> dict[str, str]:
    unknown = set(field_map) - set(DEFAULT_COLUMNS)
    if unknown:
        raise Invalid("import.unknown_field", f"--map 中的字段不存在：{', '.join(unknown)}")
    columns: dict[str, str] = {}
    for name, accepted in DEFAULT_COLUMNS.items():
        wanted = field_map.get(name)
        if wanted is not None:
            if wanted not in header:
                raise Invalid("import.missing_column", f"文件中没有列「{wanted}」")
            columns[name] = wanted
            continue
        found = next((h for h in header if h in accepted), None)
        if found:
            columns[name] = found
    if "content" not in columns:
        raise Invalid("import.missing_column", "文件中没有诉求内容列（content / 诉求内容）")
    return columns


def _row_values(row: dict[str, str], columns: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, column in columns.items():
        text = (row.get(column) or "").strip()
        if not text:
            continue
        values[name] = _LABELS.get(name, {}).get(text, text)
    if "created_at" in values:
        values["created_at"] = _parse_time(values["created_at"])
    return values


def _parse_time(text: str) -> datetime:
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y-%m-%dT%H:%M:%S",
    ):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"受理时间格式无法识别：{text}")


def _check_rows(
    rows: list[dict[str, str]],
    columns: dict[str, str],
    units: set[str],
    report: ImportReport,
) -> list[CheckedRow]:
    checked: list[CheckedRow] = []
    for line, row in enumerate(rows, start=2):
        try:
            values = _row_values(row, columns)
        except ValueError as exc:
            report.errors.append(RowError(line, "created_at", str(exc)))
            continue
        unit = values.pop("unit", None)
        if unit is not None and unit not in units:
            report.errors.append(RowError(line, "unit", f"承办单位不存在：{unit}"))
        try:
            checked.append(CheckedRow(line, TicketImport(**values), unit))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "row"
                report.errors.append(RowError(line, where, _reason(err)))
    return checked


def _reason(err: Any) -> str:
    from hotline.api.errors import _reason as api_reason  # same wording as the API

    return api_reason(err)


def _source_numbers(rows: list[dict[str, str]], columns: dict[str, str]) -> list[tuple[int, str]]:
    """(line, source number) of every row that has one."""
    column = columns.get("source_number")
    if column is None:
        return []
    found = ((line, (row.get(column) or "").strip()) for line, row in enumerate(rows, start=2))
    return [(line, number) for line, number in found if number]


def _check_source_numbers(
    session: Session, numbers: list[tuple[int, str]], report: ImportReport
) -> None:
    """A source number is imported once: not twice in the file, not again later."""
    first_line: dict[str, int] = {}
    for line, number in numbers:
        if number in first_line:
            reason = f"该原工单号与第 {first_line[number]} 行重复"
            report.errors.append(RowError(line, "source_number", reason))
        else:
            first_line[number] = line
    known: set[str] = set()
    wanted = sorted(first_line)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known |= set(
            session.scalars(select(Ticket.source_number).where(Ticket.source_number.in_(chunk)))
        )
    for number in known:
        report.errors.append(RowError(first_line[number], "source_number", "该原工单号已导入"))
    report.errors.sort(key=lambda e: e.line)


def _refuse_if_imported(session: Session, digest: str, file: str) -> None:
    batch = session.scalars(select(ImportBatch).where(ImportBatch.digest == digest)).first()
    if batch is not None:
        raise AlreadyImported(batch, file)


def import_tickets_file(
    *,
    session: Session,
    path: Path,
    field_map: dict[str, str] | None = None,
    imported_by: str = IMPORT_ACTOR.username,
) -> ImportReport:
    """Check every row, then write all of them in one transaction (or none), once."""
    raw = read_file(path)
    rows = read_rows(path, raw)
    report = ImportReport(file=path.name, rows=len(rows))
    header = list(rows[0].keys()) if rows else []
    if not rows:
        raise Invalid("import.empty", "文件中没有数据行")
    columns = _resolve_columns(header, field_map or {})
    digest = hashlib.sha256(raw).hexdigest()
    _refuse_if_imported(session, digest, path.name)  # before the rows: they would clash
    units = {u.code for u in list_units(session)} | {u.name for u in list_units(session)}
    checked = _check_rows(rows, columns, units, report)
    numbers = _source_numbers(rows, columns)
    _check_source_numbers(session, numbers, report)
    if report.errors:
        raise ImportRejected(report)
    batch = ImportBatch(
        digest=digest,
        file_name=path.name[:255],
        row_count=len(checked),
        imported_by=imported_by[:64],
    )
    try:
        _write_all(session, batch, checked, report)
    except IntegrityError:
        # another import committed the same file, or some of the same source numbers,
        # between the checks above and this commit: say which, as the checks would have
        _refuse_if_imported(session, digest, path.name)
        _check_source_numbers(session, numbers, report)
        if report.errors:
            raise ImportRejected(report) from None
        raise
    return report


def _write_all(
    session: Session, batch: ImportBatch, checked: list[CheckedRow], report: ImportReport
) -> None:
    """Write the batch row, the tickets and the batch's ticket range; one commit.

    The batch row goes first: a concurrent import of the same file stops at its unique
    digest (PostgreSQL makes it wait for this commit; SQLite for the write lock).
    """
    codes = {u.name: u.code for u in list_units(session)}
    now = now_local()
    try:
        batch.imported_at = now
        session.add(batch)
        session.flush()
        ids: list[int] = []
        for row in checked:
            ticket = record_intake(
                session=session,
                ticket_in=row.ticket,
                actor=IMPORT_ACTOR,
                now=row.ticket.created_at or now,
                unit=codes.get(row.unit, row.unit) if row.unit else None,
            )
            ticket.source_number = row.ticket.source_number
            ids.append(ticket.id)
        batch.first_ticket_id, batch.last_ticket_id = min(ids), max(ids)
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.created = len(checked)
    if len(checked) >= STATISTICS_AFTER_ROWS:
        refresh_statistics(session)


def list_import_batches(*, session: Session, limit: int | None = None) -> list[ImportBatch]:
    """Past imports, newest first."""
    query = select(ImportBatch).order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc())
    return list(session.scalars(query.limit(limit)))
