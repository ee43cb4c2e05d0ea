"""承办单位管理: rename, disable, merge; what each means for dispatch, 秒派 and the tickets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.intel.dispatch import DispatchModel
from hotline.schemas import TicketCreate
from hotline.services.admin import audit, rules, units
from hotline.services.dispatch import suggestion
from hotline.services.tickets.history import history_of
from hotline.services.tickets.lifecycle import act, intake
from hotline.store.models import AuditEntry, DispatchRecordRow, Ticket
from tests.factories import intake_body
from tests.intel import synthetic_tickets

ADMIN = lc.Actor("root", lc.Role.ADMIN)
OPERATOR = lc.Actor("op", lc.Role.OPERATOR)
DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)
WAGES = "公司拖欠工资三个月，社保缴费也停了"


def new_ticket(session: Session, unit: str | None = None, **data: Any) -> Ticket:
    ticket, _ = intake(session=session, ticket_in=TicketCreate(**intake_body()), actor=OPERATOR)
    if unit:
        act(
            session=session,
            ticket=ticket,
            action="dispatch",
            data={"unit": unit, **data},
            actor=DISPATCHER,
        )
    return ticket


def audited(session: Session, action: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
    return [dict(r.detail) for r in rows]


def test_a_unit_is_renamed_and_the_name_must_be_free(session: Session) -> None:
    units.rename(session=session, code="jingtai", name="景泰街道办事处", actor=ADMIN)
    listed = {u["code"]: u for u in units.list_for_admin(session)}
    assert listed["jingtai"]["name"] == "景泰街道办事处"
    with pytest.raises(DomainError) as taken:
        units.rename(session=session, code="songzhou", name="景泰街道办事处", actor=ADMIN)
    assert taken.value.code == "unit.name_taken" and "不能重名" in taken.value.message
    with pytest.raises(DomainError) as blank:
        units.rename(session=session, code="songzhou", name="  ", actor=ADMIN)
    assert blank.value.code == "unit.name_required"
    assert audited(session, "unit.rename") == [
        {"unit": "jingtai", "action": "rename", "before": "景泰街道", "after": "景泰街道办事处"}
    ]


def test_a_disabled_unit_gets_no_dispatch_but_keeps_its_tickets(session: Session) -> None:
    held = new_ticket(session, "jingtai")
    units.set_active(session=session, code="jingtai", active=False, actor=ADMIN)
    assert "jingtai" not in rules.active_units(session)
    session.refresh(held)
    assert held.unit_code == "jingtai" and held.status == "dispatched"
    listed = {u["code"]: u for u in units.list_for_admin(session)}
    assert listed["jingtai"]["open_tickets"] == 1 and not listed["jingtai"]["active"]
    with pytest.raises(DomainError) as refused:
        new_ticket(session, "jingtai")
    assert refused.value.code == "unit.unknown"
    act(
        session=session, ticket=held, action="dispatch", data={"unit": "songzhou"}, actor=DISPATCHER
    )  # a dispatcher moves what it holds
    assert held.unit_code == "songzhou"
    units.set_active(session=session, code="jingtai", active=True, actor=ADMIN)
    assert "jingtai" in rules.active_units(session)
    assert [d["unit"] for d in audited(session, "unit.disable")] == ["jingtai"]
    assert [d["unit"] for d in audited(session, "unit.enable")] == ["jingtai"]


def test_merging_moves_the_tickets_in_work_and_keeps_the_past(session: Session) -> None:
    in_work = new_ticket(session, "jingtai")
    act(
        session=session,
        ticket=in_work,
        action="sign",
        data={},
        actor=lc.Actor("jt", lc.Role.UNIT, "jingtai"),
    )
    as_co_unit = new_ticket(session, "songzhou", co_units=["jingtai"])
    replied = new_ticket(session, "jingtai")
    jt = lc.Actor("jt", lc.Role.UNIT, "jingtai")
    act(session=session, ticket=replied, action="sign", data={}, actor=jt)
    act(session=session, ticket=replied, action="reply", data={"content": "已处理"}, actor=jt)
    preview = units.merge_preview(session=session, source="jingtai", target="tonghe")
    assert (preview["moving"], preview["moving_lead"], preview["kept"]) == (2, 1, 1)

    outcome = units.merge(
        session=session, source="jingtai", target="tonghe", actor=ADMIN, reason="机构改革"
    )
    assert len(outcome.moved) == 2 and outcome.failed == [] and outcome.kept == 1
    for t in (in_work, as_co_unit, replied):
        session.refresh(t)
    assert (in_work.unit_code, in_work.status) == ("tonghe", "handling")
    assert replied.unit_code == "jingtai" and replied.status == "replied"
    entry = history_of(session, in_work.id)[-1]
    assert entry.action == "transfer" and entry.data["from_unit"] == "jingtai"
    assert entry.data["reason"] == "机构改革"
    records = session.scalars(
        select(DispatchRecordRow)
        .where(DispatchRecordRow.ticket_id == in_work.id)
        .order_by(DispatchRecordRow.seq)
    ).all()
    assert [(r.unit, r.left_by) for r in records] == [("jingtai", "transfer"), ("tonghe", None)]
    listed = {u["code"]: u for u in units.list_for_admin(session)}
    assert listed["jingtai"]["merged_into"] == "tonghe" and not listed["jingtai"]["active"]
    assert audited(session, "unit.merge")[0]["into"] == "tonghe"


@pytest.mark.parametrize(
    ("source", "target", "code"),
    [("jingtai", "jingtai", "unit.merge_self"), ("jingtai", "nowhere", "unit.not_found")],
)
def test_a_merge_names_two_units(session: Session, source: str, target: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        units.merge(session=session, source=source, target=target, actor=ADMIN)
    assert refused.value.code == code
    assert "jingtai" in rules.active_units(session)  # nothing changed


def test_a_unit_cannot_be_merged_into_a_disabled_one(session: Session) -> None:
    units.set_active(session=session, code="tonghe", active=False, actor=ADMIN)
    with pytest.raises(DomainError) as refused:
        units.merge(session=session, source="jingtai", target="tonghe", actor=ADMIN)
    assert refused.value.code == "unit.merge_target_inactive"
    assert "已停用" in refused.value.message


@pytest.fixture(scope="module")
def model() -> DispatchModel:
    texts, labels = synthetic_tickets(400, seed=5, confusion=0.1)
    return DispatchModel(target_accuracy=0.9).fit(texts, labels)


def test_the_machine_never_dispatches_to_a_disabled_unit(
    session: Session, model: DispatchModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggestion, "promoted_model", lambda _session: model)
    found = suggestion.suggest_for_intake(session, TicketCreate(content=WAGES, type="complaint"))
    assert found is not None and (found.unit, found.auto) == ("hrss", True)
    units.set_active(session=session, code="hrss", active=False, actor=ADMIN)
    found = suggestion.suggest_for_intake(session, TicketCreate(content=WAGES, type="complaint"))
    assert found is not None and found.auto is False and found.unit == ""
    assert found.detail["inactive_unit"] == "hrss"
    assert "hrss" not in [code for code, _ in found.detail["alternatives"]]
    ticket, _ = intake(
        session=session,
        ticket_in=TicketCreate(content=WAGES, type="complaint"),
        actor=OPERATOR,
        suggester=suggestion.suggest_for_intake,
    )
    assert ticket.status == "awaiting_dispatch" and ticket.unit_code is None


def test_the_machine_follows_a_merged_unit_to_its_successor(
    session: Session, model: DispatchModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggestion, "promoted_model", lambda _session: model)
    units.merge(session=session, source="hrss", target="civil_affairs", actor=ADMIN)
    found = suggestion.suggest_for_intake(session, TicketCreate(content=WAGES, type="complaint"))
    assert found is not None and found.unit == "civil_affairs" and found.auto is True


def test_audit_chain_holds_after_the_changes(session: Session) -> None:
    units.rename(session=session, code="jingtai", name="景泰", actor=ADMIN)
    units.merge(session=session, source="jingtai", target="tonghe", actor=ADMIN)
    assert audit.verify(session=session).ok
