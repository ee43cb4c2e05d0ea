"""What every console screen shows: people and units by name, never by the name they
sign in with or a code, and no developer artefacts."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.demo.loader import STAFF
from hotline.domain.tickets import ROLE_LABELS
from hotline.services.admin.directory import category_code
from hotline.store.models import User


def test_a_units_account_names_its_unit_once_in_the_header(browser: Any, session: Session) -> None:
    session.execute(update(User).where(User.username == "jingtai").values(display_name="景泰街道"))
    session.commit()
    page = browser("jingtai").get("/inbox").text
    header = page.split("</header>", 1)[0]
    assert re.search(r'class="user-name"[^>]*>景泰街道<', header)
    role = re.search(r'<span class="user-role"[^>]*>([^<]*)</span>', header)
    assert role is not None and role.group(1) == "承办单位"  # not "承办单位 · 景泰街道" again


def test_a_person_of_a_unit_is_shown_with_the_unit(browser: Any, session: Session) -> None:
    session.execute(update(User).where(User.username == "jingtai").values(display_name="黄志强"))
    session.commit()
    header = browser("jingtai").get("/inbox").text.split("</header>", 1)[0]
    assert ">黄志强<" in header and "承办单位 · 景泰街道" in header


def test_the_bell_is_a_word_every_font_has(browser: Any) -> None:
    tab = browser("op")
    assert ">通知<" in tab.get("/notifications/bell").text
    assert "🔔" not in tab.get("/intake").text


def test_a_ticket_names_its_category_without_the_machine_code(
    browser: Any, make_ticket: Any
) -> None:
    ticket = make_ticket(category="城乡建设/安全生产/安全隐患")
    page = browser("op").get(f"/tickets/{ticket.id}").text
    code = category_code("城乡建设/安全生产/安全隐患")
    assert "城乡建设 › 安全生产 › 安全隐患" in page
    assert f">{code}<" not in page and f"分类编码 {code}" in page  # on hover only


def test_the_demo_people_have_names_not_roles() -> None:
    roles = set(ROLE_LABELS.values()) | {"区领导", "督办员", "系统管理员"}
    for username, _role, name in STAFF:
        assert name != username and not any(word in name for word in roles), name


def test_a_units_shared_account_is_named_once_in_the_history(
    browser: Any, session: Session, make_ticket: Any
) -> None:
    session.execute(update(User).where(User.username == "jingtai").values(display_name="景泰街道"))
    session.commit()
    ticket = make_ticket(unit="jingtai")
    unit = browser("jingtai")
    assert unit.act(ticket.id, "sign").status_code == 200
    history = unit.get(f"/tickets/{ticket.id}").text.split('id="timeline"', 1)[1]
    assert "承办单位 景泰街道" in history and "景泰街道 · 景泰街道" not in history
