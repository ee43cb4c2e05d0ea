"""秒派 at intake: what the machine does with what it should not route by itself."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.intel.dispatch import DispatchModel
from hotline.schemas import TicketCreate
from hotline.services.dispatch import suggestion
from hotline.services.tickets.lifecycle import intake
from tests.intel import synthetic_tickets

OPERATOR = Actor("op", Role.OPERATOR)


@pytest.fixture(scope="module")
def model() -> DispatchModel:
    texts, labels = synthetic_tickets(400, seed=5, confusion=0.1)
    return DispatchModel(target_accuracy=0.9).fit(texts, labels)


@pytest.fixture(autouse=True)
def promoted(model: DispatchModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggestion, "promoted_model", lambda _session: model)


def _suggest(session: Session, content: str, **fields) -> suggestion.DispatchSuggestion:
    found = suggestion.suggest_for_intake(session, TicketCreate(content=content, **fields))
    assert found is not None
    return found


def test_a_clear_request_is_dispatched_by_the_machine(session: Session) -> None:
    found = _suggest(session, "公司拖欠工资三个月，社保缴费也停了", type="complaint")
    assert (found.unit, found.auto) == ("hrss", True)
    assert found.detail["abstain"] is None and "拖欠" in "".join(found.detail["reasons"])


def test_junk_offers_no_unit_and_says_why(session: Session) -> None:
    found = _suggest(session, "测试测试123")
    assert (found.unit, found.auto, found.confidence) == ("", False, 0.0)
    assert found.detail["abstain_kind"] == "junk" and found.detail["abstain"]
    assert "reasons" not in found.detail and "alternatives" not in found.detail


def test_the_operator_can_leave_it_to_a_dispatcher(session: Session) -> None:
    found = _suggest(session, "公司拖欠工资三个月，社保缴费也停了", manual_dispatch=True)
    assert found.unit == "hrss" and found.auto is False and found.detail["manual"] is True


def test_a_follow_up_names_the_earlier_ticket(session: Session) -> None:
    first = intake(
        session=session,
        ticket_in=TicketCreate(content="公司拖欠工资三个月，社保缴费也停了", type="complaint"),
        actor=OPERATOR,
    )[0]
    found = _suggest(session, f"我上周反映的那个工单{first.number}，怎么到现在还没人处理")
    assert found.auto is False and found.detail["abstain_kind"] == "follow_up"
    assert found.detail["earlier"] == {"id": first.id, "number": first.number}
    unknown = _suggest(session, "工单号BY2019010100000，想问处理到哪一步了")
    assert "earlier" not in unknown.detail


def test_a_complaint_about_the_operators_attitude_is_never_auto_dispatched(session) -> None:
    found = _suggest(session, "刚才接电话的那个话务员态度很差，我还没讲完她就挂了")
    assert found.auto is False and found.unit == ""
    assert found.detail["abstain_kind"] == "about_hotline" and "热线" in found.detail["abstain"]


def test_a_call_naming_two_matters_is_left_to_a_dispatcher_with_a_lead_and_a_co_unit(
    session: Session,
) -> None:
    found = _suggest(
        session, "公司拖欠工资三个月，社保缴费也停了。另外小孩小学入学的学位申请一直没有结果"
    )
    assert found.auto is False and found.detail["abstain_kind"] == "multi_matter"
    assert found.unit == "hrss" and found.detail["co_units"] == ["education"]
