"""审计日志 page: admins only; newest first, filtered by user, action and dates, paginated;
the console's reveals and phone searches land in it; the CLI's changes too."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from click.testing import CliRunner
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.services.admin import audit


def _fill(session: Session, n: int) -> None:
    start = datetime(2026, 11, 1, 9, 0)
    for i in range(n):
        who = Actor("disp" if i % 2 else "op", Role.DISPATCHER if i % 2 else Role.OPERATOR)
        audit.record(
            session=session,
            actor=who,
            action="caller.view" if i % 3 else "export_tickets",
            detail={"ticket": i},
            at=start + timedelta(hours=i),
            client="10.0.0.7",
            request_id=f"req-{i}",
        )


def test_only_admins_open_the_audit_page(browser: Any) -> None:
    assert browser("root").get("/admin/audit").status_code == 200
    for name in ("op", "disp", "sup", "boss", "jingtai"):
        assert browser(name).get("/admin/audit").status_code == 403, name
    assert browser().get("/admin/audit").status_code == 303


def test_the_page_shows_filters_and_pages_the_log(browser: Any, session: Session) -> None:
    _fill(session, 120)
    tab = browser("root")
    page = tab.get("/admin/audit")
    assert page.status_code == 200 and 'id="audit-log"' in page.text
    # the 120 entries and the admin's own sign-in, which is audited too
    assert "共 121 条" in page.text and "req-119" in page.text and "10.0.0.7" in page.text
    assert "查看诉求人信息" in page.text and "导出工单" in page.text
    second = tab.get("/admin/audit?page=2")
    assert "req-69" in second.text and "req-119" not in second.text
    mine = tab.get("/admin/audit?username=op")
    assert "共 60 条" in mine.text
    views = tab.get("/admin/audit?action=caller.view")
    assert "共 80 条" in views.text and "导出工单</td>" not in views.text
    day = tab.get("/admin/audit?date_from=2026-11-02&date_to=2026-11-02")
    assert "共 24 条" in day.text
    bad = tab.get("/admin/audit?date_from=0001-01-01")
    assert bad.status_code == 422 and "超出范围" in bad.text


def test_the_consoles_reveal_and_phone_search_are_recorded(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    ticket = make_ticket(caller_phone="13812345678")
    tab = browser("disp")
    assert tab.post(f"/tickets/{ticket.id}/caller").status_code == 200
    assert tab.get("/tickets?q=13812345678").status_code == 200
    entries = audit.entries(session=session)
    by_action = {e["action"]: e for e in entries}
    assert by_action["caller.view"]["username"] == "disp"
    assert by_action["ticket.search_phone"]["detail"]["via"] == "console"
    assert by_action["ticket.search_phone"]["detail"]["phone"] == "138****5678"


def test_a_change_made_from_the_command_line_is_recorded(cli_env: Any) -> None:
    from hotline.cli import main
    from hotline.cli.ops import _sessions

    result = CliRunner().invoke(
        main, ["holidays", "set", "2027-02-06", "--workday", "--name", "春节调休"]
    )
    assert result.exit_code == 0, result.output
    with _sessions()() as session:
        entry = audit.entries(session=session)[0]
    assert entry["action"] == "calendar.set" and entry["username"].startswith("cli:")
    assert entry["detail"]["name"] == "春节调休" and entry["detail"]["workday"] is True
