"""The tickets' Excel export is written while it is sent: every row, a workbook that opens."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.services.tickets import exports, queries, streamed_xlsx
from hotline.store.models import AuditEntry
from tests.factories import intake_body, login

API = "/api/v1"
TICKETS = 8


def _report(client: TestClient, headers: dict[str, str], n: int) -> str:
    text = f"白云大道北{n}号路灯不亮已经三天\x07，晚上走路很危险"  # a pasted control character
    r = client.post(f"{API}/tickets", json=intake_body(content=text), headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["number"])


def test_the_export_holds_every_ticket_and_opens_in_excel(
    client: TestClient, people: Any, session: Session, monkeypatch: Any
) -> None:
    monkeypatch.setattr(streamed_xlsx, "BATCH", 3)  # several batches of a few tickets
    op = login(client, "op")
    numbers = [_report(client, op, n) for n in range(TICKETS)]

    with client.stream("GET", f"{API}/tickets/export", headers=login(client, "disp")) as r:
        assert r.status_code == 200
        assert r.headers["X-Export-Rows"] == str(TICKETS)
        assert r.headers["content-disposition"].startswith('attachment; filename="tickets-')
        chunks = [chunk for chunk in r.iter_raw() if chunk]
    assert len(chunks) > 2  # sent in parts, not as one finished file

    book = load_workbook(io.BytesIO(b"".join(chunks)))
    sheet = book["工单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(label for _key, label, _width in exports.TICKET_COLUMNS)
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert [row[0] for row in rows[1:]] == numbers[::-1]  # every ticket, newest first
    assert all("\x07" not in row[9] and "路灯不亮" in row[9] for row in rows[1:])
    assert {row[11] for row in rows[1:]} == {"138****8000"}  # the caller masked
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export_tickets"))
    assert entry.one().detail["rows"] == TICKETS


def test_the_rows_are_read_while_the_workbook_is_written(
    client: TestClient, people: Any, session: Session, monkeypatch: Any
) -> None:
    monkeypatch.setattr(streamed_xlsx, "BATCH", 2)
    op = login(client, "op")
    for n in range(TICKETS):
        _report(client, op, n)
    pulled: list[int] = []
    real = queries.export_rows

    def counted(**kwargs: Any) -> Any:
        for row in real(**kwargs):
            pulled.append(row.id)
            yield row

    monkeypatch.setattr(queries, "export_rows", counted)
    export = exports.export_tickets_xlsx(
        session=session, viewer=Actor("disp", Role.DISPATCHER), filters=queries.TicketFilter()
    )
    next(export.body), next(export.body)  # the workbook's frame, then the first rows

    assert 0 < len(pulled) < TICKETS
    rest = b"".join(export.body)
    assert len(pulled) == TICKETS and rest
