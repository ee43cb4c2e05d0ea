"""Imports are all-or-nothing, with a report naming every bad row."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.services.tickets.imports import ImportRejected, import_tickets_file
from hotline.store.models import Ticket, TicketEvent

GOOD = (
    "诉求内容,事发地址,诉求类型,受理时间,承办单位\n"
    "同德街道某小区电梯故障,白云区同德街道西槎路,求助,2026-03-02 10:00,tongde\n"
    "咨询居住证办理,,咨询,2026-03-02 11:00,\n"
)


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_clean_file_is_imported(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(GOOD, encoding="utf-8")
    report = import_tickets_file(session=session, path=path)
    assert report.created == 2 and not report.errors
    dispatched = session.scalars(select(Ticket).where(Ticket.unit_code == "tongde")).one()
    assert dispatched.status == "dispatched" and dispatched.number.startswith("BY20260302")


def test_bad_rows_write_nothing_and_are_all_reported(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        GOOD + ",无内容行,咨询,,\n"
        "路灯不亮,,发牢骚,2026-03-03,\n"
        "噪音,,投诉,明天,\n"
        "井盖缺失,,投诉,2026-03-03,atlantis\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_tickets_file(session=session, path=path)
    errors = {(e.line, e.field) for e in rejected.value.report.errors}
    assert errors == {(4, "content"), (5, "type"), (6, "created_at"), (7, "unit")}
    assert "第 5 行 [type]" in rejected.value.report.text()
    assert _count(session, Ticket) == 0 and _count(session, TicketEvent) == 0


def test_column_mapping_and_xlsx(session: Session, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["问题描述", "地点"])
    book.active.append(["京溪街道垃圾未清运", "白云区京溪街道"])
    path = tmp_path / "unit.xlsx"
    book.save(path)
    report = import_tickets_file(
        session=session, path=path, field_map={"content": "问题描述", "address": "地点"}
    )
    assert report.created == 1
    with pytest.raises(DomainError) as missing:
        import_tickets_file(session=session, path=path, field_map={"content": "内容X"})
    assert missing.value.code == "import.missing_column"


def test_zip_bomb_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(DomainError) as refused:
        import_tickets_file(session=session, path=path)
    assert refused.value.code == "import.zip_bomb"
