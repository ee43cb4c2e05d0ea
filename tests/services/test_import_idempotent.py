"""A file is imported once; a source ticket number (原工单号) is imported once.

Running an import again — after a network blip, a crash, or at the same moment in
another process — never makes a second copy: the same bytes are refused with
``import.already_imported``, and rows whose source number is already in the
database are bad rows of an all-or-none file.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.services.tickets import imports
from hotline.services.tickets.imports import (
    AlreadyImported,
    ImportRejected,
    import_tickets_file,
    list_import_batches,
)
from hotline.store.db import session_factory
from hotline.store.models import ImportBatch, Ticket

HISTORY = (
    "诉求内容,诉求类型,受理时间,承办单位\n"
    "同德街道某小区电梯故障,求助,2026-03-02 10:00,tongde\n"
    "咨询居住证办理,咨询,2026-03-02 11:00,\n"
    "景泰街道路灯不亮,求助,2026-03-03 09:00,jingtai\n"
)


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _numbered(header: str, *rows: tuple[str, str]) -> str:
    """A CSV of (source number, content) rows under the given source-number header."""
    return f"{header},诉求内容\n" + "".join(f"{number},{content}\n" for number, content in rows)


def _tickets(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def _batches(session: Session) -> list[ImportBatch]:
    return list(session.scalars(select(ImportBatch)))


def test_a_file_imported_once_is_refused_the_second_time(session: Session, tmp_path: Path):
    path = _csv(tmp_path, "history.csv", HISTORY)
    assert import_tickets_file(session=session, path=path).created == 3

    with pytest.raises(DomainError) as again:
        import_tickets_file(session=session, path=path)

    (batch,) = _batches(session)
    assert again.value.code == "import.already_imported"
    assert again.value.message == (
        f"该文件已于 {batch.imported_at:%Y-%m-%d %H:%M} 导入（3 张工单），未重复导入"
    )
    assert _tickets(session) == 3


def test_the_same_bytes_under_another_name_are_the_same_file(session: Session, tmp_path: Path):
    import_tickets_file(session=session, path=_csv(tmp_path, "history.csv", HISTORY))
    copy = _csv(tmp_path, "history (1).csv", HISTORY)

    with pytest.raises(AlreadyImported) as again:
        import_tickets_file(session=session, path=copy)

    assert "当时的文件名：history.csv" in again.value.message
    assert _tickets(session) == 3


def test_the_refusal_says_when_and_how_many_in_plain_figures() -> None:
    batch = ImportBatch(
        digest="ab" * 32,
        file_name="unit.xlsx",
        row_count=1234,
        imported_at=datetime(2026, 11, 27, 10, 0, 41),
        imported_by="ops",
    )
    refusal = AlreadyImported(batch, "unit.xlsx")
    assert refusal.code == "import.already_imported"
    assert refusal.message == "该文件已于 2026-11-27 10:00 导入（1,234 张工单），未重复导入"


def test_an_import_records_its_file_with_its_tickets(session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, "history.csv", HISTORY)
    import_tickets_file(session=session, path=path, imported_by="zhangsan")

    (batch,) = _batches(session)
    ids = list(session.scalars(select(Ticket.id)))
    assert batch.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch.file_name, batch.row_count, batch.imported_by) == ("history.csv", 3, "zhangsan")
    assert (batch.first_ticket_id, batch.last_ticket_id) == (min(ids), max(ids))
    assert list_import_batches(session=session) == [batch]


def test_a_rejected_file_records_no_import(session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, "bad.csv", HISTORY + "井盖缺失,发牢骚,2026-03-03,\n")
    with pytest.raises(ImportRejected):
        import_tickets_file(session=session, path=path)
    with pytest.raises(ImportRejected):  # rejected again for its rows, not as imported
        import_tickets_file(session=session, path=path)
    assert _batches(session) == [] and _tickets(session) == 0


def test_a_write_that_fails_midway_records_nothing_and_may_be_run_again(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path, "history.csv", HISTORY)
    real_intake = imports.record_intake
    calls = 0

    def failing_intake(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("network blip on the third row")
        return real_intake(**kwargs)

    monkeypatch.setattr(imports, "record_intake", failing_intake)
    with pytest.raises(ConnectionError):
        import_tickets_file(session=session, path=path)
    assert _batches(session) == [] and _tickets(session) == 0

    monkeypatch.setattr(imports, "record_intake", real_intake)
    assert import_tickets_file(session=session, path=path).created == 3
    assert len(_batches(session)) == 1 and _tickets(session) == 3


@pytest.mark.parametrize("header", ["source_number", "原工单号", "工单编号"])
def test_the_source_number_is_kept_on_the_ticket(
    session: Session, tmp_path: Path, header: str
) -> None:
    path = _csv(tmp_path, "a.csv", _numbered(header, ("GZ-0001", "路灯不亮"), ("", "井盖缺失")))
    import_tickets_file(session=session, path=path)
    numbers = dict(session.execute(select(Ticket.content, Ticket.source_number)).all())
    assert numbers == {"路灯不亮": "GZ-0001", "井盖缺失": None}


def test_a_source_number_already_imported_is_a_bad_row_of_another_file(
    session: Session, tmp_path: Path
) -> None:
    first = _numbered("原工单号", ("GZ-0001", "路灯不亮"), ("GZ-0002", "井盖缺失"))
    import_tickets_file(session=session, path=_csv(tmp_path, "a.csv", first))
    second = _numbered("原工单号", ("GZ-0003", "噪音扰民"), ("GZ-0002", "井盖缺失，已修复"))

    with pytest.raises(ImportRejected) as rejected:
        import_tickets_file(session=session, path=_csv(tmp_path, "b.csv", second))

    errors = [(e.line, e.field, e.reason) for e in rejected.value.report.errors]
    assert errors == [(3, "source_number", "该原工单号已导入")]
    assert _tickets(session) == 2  # all or none: 噪音扰民 is not imported either


def test_the_same_source_number_twice_in_one_file_is_a_bad_row(
    session: Session, tmp_path: Path
) -> None:
    text = _numbered(
        "source_number", ("GZ-0001", "路灯不亮"), ("", "咨询"), ("", "咨询"), ("GZ-0001", "路灯")
    )
    with pytest.raises(ImportRejected) as rejected:
        import_tickets_file(session=session, path=_csv(tmp_path, "a.csv", text))

    errors = [(e.line, e.field, e.reason) for e in rejected.value.report.errors]
    assert errors == [(5, "source_number", "该原工单号与第 2 行重复")]
    assert _tickets(session) == 0


def _race(engine: Engine, paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Run one import per path in its own thread and session, all of them past the
    "already imported?" check before any writes; return each one's report or error."""
    all_checked = threading.Barrier(len(paths), timeout=60)
    waited = threading.local()
    real_check = imports._refuse_if_imported

    def check_then_wait(session: Session, digest: str, file: str) -> None:
        real_check(session, digest, file)
        if not getattr(waited, "once", False):  # the check is made again after a clash
            waited.once = True
            all_checked.wait()

    monkeypatch.setattr(imports, "_refuse_if_imported", check_then_wait)
    outcomes: list[object] = [None] * len(paths)

    def run(i: int) -> None:
        with session_factory(engine)() as session:
            try:
                outcomes[i] = import_tickets_file(session=session, path=paths[i])
            except Exception as exc:  # noqa: BLE001 - the test looks at it
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    monkeypatch.setattr(imports, "_refuse_if_imported", real_check)
    return outcomes


def test_two_imports_of_one_file_at_once_write_it_once(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path, "history.csv", HISTORY)
    outcomes = _race(engine, [path, path], monkeypatch)

    refused = [o for o in outcomes if isinstance(o, DomainError)]
    imported = [o for o in outcomes if isinstance(o, imports.ImportReport)]
    assert len(imported) == 1 and imported[0].created == 3, outcomes
    assert [r.code for r in refused] == ["import.already_imported"], outcomes
    assert "（3 张工单），未重复导入" in refused[0].message
    assert _tickets(session) == 3 and len(_batches(session)) == 1


def test_two_files_with_one_source_number_at_once_import_it_once(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _csv(tmp_path, "a.csv", _numbered("原工单号", ("GZ-0001", "路灯不亮"), ("GZ-0002", "噪音")))
    b = _csv(tmp_path, "b.csv", _numbered("原工单号", ("GZ-0009", "井盖缺失"), ("GZ-0002", "噪音")))
    outcomes = _race(engine, [a, b], monkeypatch)

    imported = [o for o in outcomes if isinstance(o, imports.ImportReport)]
    rejected = [o for o in outcomes if isinstance(o, ImportRejected)]
    assert len(imported) == 1 and len(rejected) == 1, outcomes
    errors = [(e.line, e.field, e.reason) for e in rejected[0].report.errors]
    assert errors == [(3, "source_number", "该原工单号已导入")]
    assert _tickets(session) == 2 and len(_batches(session)) == 1
