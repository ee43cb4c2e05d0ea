"""Exports that open in Excel: xlsx with Chinese headers, formula injection neutralised."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.intel.hotspots import issue_table
from hotline.services.admin import audit
from hotline.services.admin.directory import unit_names
from hotline.services.tickets import queries
from hotline.services.tickets.streamed_xlsx import stream_xlsx
from hotline.store.db import sibling_session

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What an xlsx download is sent as.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TICKET_COLUMNS: list[tuple[str, str, int]] = [
    ("number", "工单编号", 20),
    ("created_at", "受理时间", 19),
    ("channel", "来源", 8),
    ("type_label", "诉求类型", 8),
    ("urgency", "紧急程度", 8),
    ("status_label", "状态", 12),
    ("unit_name", "承办单位", 22),
    ("town_name", "所属镇街", 12),
    ("address", "事发地址", 30),
    ("content", "诉求内容", 60),
    ("caller_name", "诉求人", 10),
    ("caller_phone", "联系电话", 14),
    ("reply_due", "办结时限", 19),
    ("replied_at", "答复时间", 19),
    ("warning_label", "预警", 12),
    ("satisfaction", "回访满意度", 10),
]


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(item: dict[str, Any]) -> list[Any]:
    item = dict(item)
    item["urgency"] = lc.URGENCY_LABELS[lc.Urgency(item["urgency"])]
    item["channel"] = lc.CHANNEL_LABELS.get(item["channel"], item["channel"])
    item["reply_due"] = item["deadlines"]["reply"]
    item["satisfaction"] = lc.SATISFACTION_LABELS.get(item.get("satisfaction") or "", "")
    return [safe_cell(item.get(key)) for key, _label, _width in TICKET_COLUMNS]


@dataclass
class TicketExport:
    """An export of tickets on its way: how many rows, the file's name, and its bytes as
    they are written (:mod:`hotline.services.tickets.streamed_xlsx`)."""

    rows: int
    filename: str
    body: Iterator[bytes]


def export_tickets_xlsx(
    *,
    session: Session,
    viewer: lc.Actor,
    filters: queries.TicketFilter,
) -> TicketExport:
    """The filtered tickets (newest first, at most :data:`queries.EXPORT_LIMIT`, caller
    identity masked) as an xlsx workbook written while it is sent: the rows are read in
    batches through a session of their own, so memory holds a batch, not the export. The
    export is audited, with its row count, before the first byte leaves."""
    now = now_local()
    names = unit_names(session)
    rows = queries.count_matching(session=session, viewer=viewer, filters=filters)
    audit.record(
        session=session,
        actor=viewer,
        action="export_tickets",
        detail={"rows": rows, "filters": audit_filters(filters)},
    )
    own = sibling_session(session)

    def body() -> Iterator[bytes]:
        with own:
            found = queries.export_rows(session=own, viewer=viewer, filters=filters)
            lines = (_row(queries.ticket_public(t, now=now, unit_names=names)) for t in found)
            yield from stream_xlsx("工单", [(label, w) for _k, label, w in TICKET_COLUMNS], lines)

    return TicketExport(rows, f"tickets-{now:%Y%m%d-%H%M%S}.xlsx", body())


def audit_filters(filters: queries.TicketFilter) -> dict[str, str]:
    """The filters of an export as its audit entry names them (a phone searched, masked)."""
    out = {k: str(v) for k, v in vars(filters).items() if v}
    if queries.phone_term(filters.q):
        out["q"] = str(queries.mask_phone(str(filters.q).strip()))
    return out


TOPIC_COLUMNS: list[tuple[str, int]] = [
    ("排名", 6), ("话题", 30), ("关键词", 30), ("件数", 8), ("来电人数", 10),
    ("近7天增长（倍）", 14), ("预警", 12), ("涉及镇街", 30), ("首次出现", 19),
    ("最近出现", 19), ("代表诉求", 60), ("地点/人群", 20), ("热度指数", 10), ("工单编号", 60),
]  # fmt: skip
ALERT_COLUMNS: list[tuple[str, int]] = [
    ("发现时间", 19), ("类型", 10), ("事件", 30), ("来源", 10), ("件数", 8), ("来电人数", 10),
    ("涉及镇街", 30), ("首次出现", 19), ("最近出现", 19), ("代表诉求", 60), ("工单编号", 60),
]  # fmt: skip
ISSUE_COLUMNS: list[tuple[str, int]] = [
    ("热度排名", 10), ("问题ID", 8), ("热度指数", 10), ("时间范围", 26), ("地点/人群", 24),
    ("问题描述", 60),
]  # fmt: skip
"""热点问题表: the table of hot-issue studies (one row per ranked matter)."""


def export_hot_topics_xlsx(
    *,
    session: Session,
    viewer: lc.Actor,
    days: int,
    topics: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
) -> tuple[bytes, str]:
    """热点分析 as a workbook: a sheet of hot topics and one of burst alerts, each with
    every ticket number behind it (the page links only the first three), and the table
    of hot-issue studies (热点问题表); audited."""
    names = unit_names(session)

    def places(codes: list[str]) -> str:
        return "、".join(names.get(code, code) for code in codes)

    def moment(text: str | None) -> str:
        return (text or "")[:19].replace("T", " ")

    book = Workbook()
    sheet = book.active
    sheet.title = "热点话题"
    _header(sheet, TOPIC_COLUMNS)
    for rank, t in enumerate(topics, start=1):
        flags = [n for k, n in (("burst", "突发"), ("emerging", "新发热点")) if t.get(k)]
        sheet.append([safe_cell(v) for v in (
            rank, t["label"], "、".join(t["keywords"]), t["size"], t["writers"],
            round(float(t["growth"]), 2), "、".join(flags), places(t["places"]),
            moment(t["first_seen"]), moment(t["last_seen"]), t["representative"],
            t.get("place") or t.get("people") or "", round(float(t["hotness"]), 2),
            "、".join(map(str, t["ids"])),
        )])  # fmt: skip
    alert_sheet = book.create_sheet("突发预警")
    _header(alert_sheet, ALERT_COLUMNS)
    for a in alerts:
        alert_sheet.append([safe_cell(v) for v in (
            moment(a["fired_at"]), a.get("kind_label", "突发"), a["label"],
            "同一事件" if a["source"] == "event" else "话题", a["size"], a["writers"],
            places(a["places"]), moment(a["first_seen"]), moment(a["last_seen"]),
            a["representative"], "、".join(map(str, a["ids"])),
        )])  # fmt: skip
    issue_sheet = book.create_sheet("热点问题表")
    _header(issue_sheet, ISSUE_COLUMNS)
    for row in issue_table(topics, names):
        issue_sheet.append([safe_cell(row[label]) for label, _width in ISSUE_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(
        session=session,
        actor=viewer,
        action="export_hot_topics",
        detail={"days": days, "topics": len(topics), "alerts": len(alerts)},
    )
    return buffer.getvalue(), f"hot-topics-{days}d-{now_local():%Y%m%d-%H%M%S}.xlsx"


def _header(sheet: Any, columns: list[tuple[str, int]]) -> None:
    """The first row of every export: bold white on blue, set widths, frozen."""
    sheet.append([label for label, _width in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1677FF")
        cell.alignment = Alignment(horizontal="center")
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    sheet.freeze_panes = "A2"
