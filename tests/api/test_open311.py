"""Open311 GeoReport v2 at /open311/v2 over raw HTTP (the app in process), each answer
checked by the spec-conformance checker (tests/api/open311_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.dispatch import suggestion as dispatch_suggestion
from hotline.services.integration.open311_input import POST_LIMITS
from hotline.services.integration.open311_keys import add_key, key_hash, revoke_key
from hotline.services.integration.open311_services import service_code
from hotline.services.tickets.lifecycle import DispatchSuggestion
from hotline.store.models import Open311Key, Open311Request, Ticket
from tests.api import open311_conformance as spec
from tests.factories import intake_body, login

V2 = "/open311/v2"
NOISE = "城乡建设/城市建设和市政管理/城管执法"
DRAIN = "城乡建设/城市建设和市政管理/基础设施"
FORMATS = ("json", "xml")


@pytest.fixture
def api_key(session: Session) -> str:
    return add_key(session=session, name="citizen-app")[1]


def _post(client: TestClient, fmt: str = "json", expect: int = 200, **fields: Any) -> Any:
    response = client.post(f"{V2}/requests.{fmt}", data=fields)
    assert response.status_code == expect, response.text
    doc = spec.document(response, fmt)
    problems = spec.check_post(doc) if expect == 200 else spec.check_errors(doc)
    assert not problems, problems
    return doc


def _report(key: str, **fields: Any) -> dict[str, Any]:
    body = {
        "api_key": key,
        "service_code": service_code(NOISE),
        "description": "景泰街道广园中路工地夜间施工，凌晨两点还有噪音，请尽快处理。",
        "address_string": "白云区景泰街道广园中路88号",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "email": "zhang.san@example.com",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def _get(client: TestClient, path: str, fmt: str, expect: int = 200, **params: Any) -> Any:
    response = client.get(f"{V2}/{path}.{fmt}", params=params)
    assert response.status_code == expect, response.text
    return spec.document(response, fmt)


def test_services_are_the_category_leaves_with_stable_codes(client: TestClient) -> None:
    doc = _get(client, "services", "json")
    xml = _get(client, "services", "xml")
    assert [s | {"metadata": s["metadata"] == "true"} for s in xml] == doc  # the same data
    assert not spec.check_services(doc)
    assert len(doc) == 517  # the leaves of src/hotline/data/categories.csv
    by_code = {s["service_code"]: s for s in doc}
    noise = by_code[service_code(NOISE)]
    assert service_code(NOISE) == "05cc3f29"  # the path's SHA-256: the same everywhere
    assert noise["service_name"] == "城管执法" and noise["group"] == "城乡建设"
    assert noise["description"] == "城乡建设 > 城市建设和市政管理 > 城管执法"
    assert noise["type"] == "realtime"
    # a name repeated within its group is told apart by its parent
    others = [
        s["service_name"] for s in doc if s["group"] == "城乡建设" and "其他" in s["service_name"]
    ]
    assert len(others) == len(set(others)) > 1 and all("·其他" in n for n in others)


def test_service_definition_offers_the_request_type(client: TestClient) -> None:
    code = service_code(NOISE)
    for fmt in FORMATS:
        doc = _get(client, f"services/{code}", fmt)
        assert not spec.check_definition(doc, code)
        (attribute,) = doc["attributes"]
        assert attribute["code"] == "type" and attribute["datatype"] == "singlevaluelist"
        assert {v["key"] for v in attribute["values"]} >= {"complaint", "help", "consult"}
        missing = _get(client, "services/00000000", fmt, expect=404)
        assert not spec.check_errors(missing) and str(missing[0]["code"]) == "404"


def test_a_post_is_taken_in_as_a_ticket_of_the_api_channel(
    client: TestClient, session: Session, api_key: str
) -> None:
    for fmt in FORMATS:
        doc = _post(client, fmt, **_report(api_key, account_id="u-42"))
        number = doc[0]["service_request_id"]
        assert str(doc[0]["account_id"]) == "u-42" and "等待热线派单" in doc[0]["service_notice"]
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert (ticket.channel, ticket.category, ticket.type) == ("api", NOISE, "help")
        assert (ticket.caller_name, ticket.caller_phone) == ("张三", "13800138000")
        assert ticket.created_by == "open311:citizen-app" and ticket.status == "awaiting_dispatch"
        assert ticket.town == "jingtai"  # the intake's place finding ran
        row = session.scalars(
            select(Open311Request).where(Open311Request.ticket_key == ticket.idempotency_key)
        ).one()
        assert ticket.idempotency_key == f"open311:{row.token}"
        assert row.email == "zhang.san@example.com"


def test_the_same_intake_dispatches_in_seconds_when_the_machine_is_sure(
    client: TestClient, session: Session, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sure = DispatchSuggestion(unit="jingtai", confidence=0.97, auto=True, town="jingtai")
    monkeypatch.setattr(dispatch_suggestion, "suggest_for_intake", lambda s, t: sure)
    doc = _post(client, **_report(api_key, **{"attribute[type]": "complaint"}))
    assert "已派景泰街道办理" in doc[0]["service_notice"]
    (request,) = _get(client, f"requests/{doc[0]['service_request_id']}", "json")
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.auto_dispatched and ticket.type == "complaint"
    assert request["agency_responsible"] == "景泰街道" and request["status"] == "open"
    assert request["status_notes"] == "已派单"
    assert request["expected_datetime"] == ticket.reply_due.isoformat() + "+08:00"


def test_a_request_follows_its_ticket_until_closed(
    client: TestClient, session: Session, people, api_key: str
) -> None:
    number = _post(client, **_report(api_key))[0]["service_request_id"]
    for fmt in FORMATS:
        (fresh,) = _get(client, f"requests/{number}", fmt)
        assert not spec.check_requests([fresh])
        assert (fresh["status"], fresh["agency_responsible"], fresh["expected_datetime"]) == (
            "open",
            None,
            None,
        )
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
    disp, op, unit = login(client, "disp"), login(client, "op"), login(client, "jingtai")
    for headers, action in [
        (disp, {"action": "dispatch", "unit": "jingtai"}),
        (unit, {"action": "sign"}),
        (unit, {"action": "reply", "content": "已联系工地停止夜间施工。"}),
        (disp, {"action": "approve_reply"}),
        (op, {"action": "callback", "satisfaction": "satisfied", "resolved": True}),
    ]:
        url = f"/api/v1/tickets/{ticket_id}/actions"
        assert client.post(url, json=action, headers=headers).status_code == 200
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    for fmt in FORMATS:
        (closed,) = _get(client, f"requests/{number}", fmt)
        assert not spec.check_requests([closed])
        assert (closed["status"], closed["status_notes"]) == ("closed", "已办结")
        assert closed["agency_responsible"] == "景泰街道"
        assert closed["updated_datetime"] == ticket.closed_at.isoformat() + "+08:00"
        assert closed["expected_datetime"] == ticket.reply_due.isoformat() + "+08:00"


def test_a_get_shows_nothing_of_the_caller(client: TestClient, people, api_key: str) -> None:
    text = "我是张三，电话13912345678，身份证440111199001011234，邮箱zs@qq.com，井盖破损。"
    number = _post(client, **_report(api_key, description=text))[0]["service_request_id"]
    op = login(client, "op")
    other = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["number"]
    for fmt in FORMATS:
        listed = _get(client, "requests", fmt)
        (one,) = _get(client, f"requests/{number}", fmt)
        assert listed == [one]  # a ticket taken in by an operator is no Open311 request
        assert not spec.check_errors(_get(client, f"requests/{other}", fmt, expect=404))
        shown = str(one)
        for secret in ("13912345678", "440111199001011234", "zs@qq.com", "13800138000"):
            assert secret not in shown
        assert "zhang.san" not in shown and "first_name" not in one and "phone" not in one
        assert "139****5678" in one["description"]


def test_get_requests_filters(client: TestClient, api_key: str) -> None:
    first = _post(client, **_report(api_key))[0]["service_request_id"]
    second = _post(client, **_report(api_key, service_code=service_code(DRAIN)))[0][
        "service_request_id"
    ]
    third = _post(client, **_report(api_key, address_string=None, lat="23.18", long="113.27"))
    third = third[0]["service_request_id"]

    def numbers(**params: Any) -> list[str]:
        doc = _get(client, "requests", "json", **params)
        assert not spec.check_requests(doc)
        return [r["service_request_id"] for r in doc]

    assert numbers() == [third, second, first]  # newest first
    assert numbers(service_code=service_code(DRAIN)) == [second]
    assert numbers(service_code=f"{service_code(DRAIN)},{service_code(NOISE)}") == [
        third,
        second,
        first,
    ]
    assert numbers(status="open") == [third, second, first] and numbers(status="closed") == []
    assert numbers(status="open,closed") == [third, second, first]
    # service_request_id overrides the other filters
    assert numbers(service_request_id=f"{first},{third}", status="closed") == [third, first]
    assert numbers(page_size=2) == [third, second] and numbers(page_size=2, page=2) == [first]
    assert numbers(start_date="2001-01-01T00:00:00Z", end_date="2001-02-01T00:00:00Z") == []
    located = _get(client, f"requests/{third}", "json")[0]
    assert (located["lat"], located["long"]) == (23.18, 113.27)
    assert located["address"] == "经纬度 23.180000,113.270000"


BAD_FILTERS: list[tuple[dict[str, str], int]] = [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
    ({"start_date": "yesterday"}, 400),
    ({"start_date": "9999-12-31T23:59:59-23:59"}, 400),
    ({"status": "pending"}, 400),
    ({"service_code": "<script>"}, 400),
    ({"service_request_id": "1' OR '1'='1"}, 400),
    ({"service_request_id": ",".join(str(i) for i in range(101))}, 400),
    ({"page_size": "1001"}, 400),
    ({"page": "0"}, 400),
    ({"page": "x"}, 400),
    ({"start_date": "2026-12-01T00:00:00 08:00"}, 200),  # an unescaped + is a space
    ({"jurisdiction_id": "baiyun.gov.cn"}, 200),
]


def test_get_requests_refuses_bad_filters_in_the_spec_format(client: TestClient) -> None:
    for params, expect in BAD_FILTERS:
        for fmt in FORMATS:
            doc = _get(client, "requests", fmt, expect=expect, **params)
            assert not (spec.check_errors(doc) if expect != 200 else spec.check_requests(doc))


BAD_FIELDS: list[tuple[dict[str, Any], int, str]] = [
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "o311_not-a-key"}, 403, "api_key"),
    ({"api_key": "x" * 200}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "ffffffff"}, 404, "service_code"),
    ({"description": None}, 400, "description"),
    ({"description": "   "}, 400, "description"),
    ({"description": "很长" * 2001}, 400, "4000"),
    ({"address_string": None}, 400, "address_string"),
    ({"address_string": None, "address_id": "545483"}, 400, "address_id"),
    ({"address_string": "路" * 301}, 400, "300"),
    ({"lat": "23.1"}, 400, "long"),
    ({"lat": "91", "long": "113.2"}, 400, "lat"),
    ({"lat": "23.1", "long": "-181"}, 400, "long"),
    ({"lat": "nan", "long": "113.2"}, 400, "lat"),
    ({"lat": "北纬23", "long": "113.2"}, 400, "lat"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"phone": "call me maybe"}, 400, "phone"),
    ({"first_name": "名" * 33}, 400, "first_name"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"media_url": "http://example.com/a b.jpg"}, 400, "media_url"),
    ({"media_url": "https://x.example/" + "a" * 1000}, 400, "1000"),
    ({"attribute[colour]": "red"}, 400, "colour"),
    ({"attribute[type]": "riot"}, 400, "type"),
    ({"device_id": "d" * 65}, 400, "device_id"),
]


def test_every_field_is_checked_before_anything_is_written(
    client: TestClient, session: Session, api_key: str
) -> None:
    for fields, status, words in BAD_FIELDS:
        for fmt in FORMATS:
            doc = _post(client, fmt, expect=status, **_report(api_key, **fields))
            assert str(doc[0]["code"]) == str(status), (fields, doc)
            assert words in doc[0]["description"], (fields, doc)
    assert session.scalar(select(Ticket.id)) is None
    assert session.scalar(select(Open311Request.id)) is None


def test_a_revoked_key_is_refused_and_keys_are_kept_hashed(
    client: TestClient, session: Session, api_key: str
) -> None:
    _post(client, **_report(api_key))
    stored = session.scalars(select(Open311Key)).one()
    assert stored.key_hash == key_hash(api_key) and api_key not in str(vars(stored))
    revoke_key(session=session, name="citizen-app")
    doc = _post(client, expect=403, **_report(api_key))
    assert "吊销" in doc[0]["description"]


def test_a_client_posts_at_most_its_rate_per_minute(client: TestClient, session: Session) -> None:
    slow = add_key(session=session, name="slow-app", per_minute=2)[1]
    _post(client, **_report(slow))
    _post(client, **_report(slow))
    doc = _post(client, expect=429, **_report(slow))
    assert "每分钟最多 2 件" in doc[0]["description"]


def test_xml_is_built_safely(client: TestClient, api_key: str) -> None:
    nasty = "</description><status>closed</status>&amp; <![CDATA[x]]> \x01 油烟扰民"
    number = _post(client, **_report(api_key, description=nasty))[0]["service_request_id"]
    response = client.get(f"{V2}/requests/{number}.xml")
    (request,) = spec.document(response, "xml")
    assert request["status"] == "open"
    assert request["description"] == nasty.replace("\x01", "")
    assert b"<status>closed</status>" not in response.content


def test_discovery(client: TestClient) -> None:
    for fmt in FORMATS:
        doc = spec.document(client.get(f"/open311/discovery.{fmt}"), fmt)
        assert not spec.check_discovery(doc)
        assert doc["endpoints"][0]["url"] == "http://testserver/open311/v2"
        assert doc["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_an_unknown_format_or_path_is_404(client: TestClient) -> None:
    for path in ("services.yaml", "requests.csv", "tokens/abc.html"):
        response = client.get(f"{V2}/{path}")
        assert response.status_code == 404
        assert not spec.check_errors(spec.document(response, "json"))


@pytest.fixture
def batch_client(settings: Settings, engine: Engine) -> Any:
    with TestClient(create_app(settings.model_copy(update={"open311_request_type": "batch"}))) as c:
        yield c


def test_batch_answers_a_token_that_turns_into_the_number(
    batch_client: TestClient, session: Session, api_key: str
) -> None:
    for fmt in FORMATS:
        services = _get(batch_client, "services", fmt)
        assert {s["type"] for s in services} == {"batch"}
        doc = _post(batch_client, fmt, **_report(api_key))
        token = doc[0]["token"]
        assert "service_request_id" not in doc[0]
        answer = _get(batch_client, f"tokens/{token}", fmt)
        assert not spec.check_token(answer, token)
        number = session.scalar(
            select(Ticket.number).where(Ticket.idempotency_key == f"open311:{token}")
        )
        assert answer[0]["service_request_id"] == number
        for unknown in ("0" * 32, "not-a-token"):
            assert not spec.check_errors(_get(batch_client, f"tokens/{unknown}", fmt, expect=404))


_FIELD_NAMES = st.sampled_from(
    [*POST_LIMITS, "api_key", "attribute[type]", "attribute[x][]", "attribute[", "jurisdiction_id"]
)
_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "nan", "inf", "-0", "1e308", "90.0000001", "https://a.b/c", "complaint"]),
)


def test_no_form_or_query_gets_a_5xx_or_an_error_out_of_shape(
    client: TestClient, api_key: str
) -> None:
    """Hostile input (hypothesis): any form to POST, any query to GET requests."""

    @hypothesis_settings(max_examples=80, deadline=None, database=None)
    @given(
        form=st.dictionaries(_FIELD_NAMES, _VALUES, max_size=8),
        keyed=st.booleans(),
        fmt=st.sampled_from(FORMATS),
        query=st.dictionaries(
            st.sampled_from(["service_request_id", "service_code", "status", "start_date",
                             "end_date", "page", "page_size"]),
            _VALUES,
            max_size=4,
        ),
    )  # fmt: skip
    def run(form: dict[str, str], keyed: bool, fmt: str, query: dict[str, str]) -> None:
        if keyed:
            form = {"service_code": service_code(NOISE)} | form | {"api_key": api_key}
        posted = client.post(f"{V2}/requests.{fmt}", data=form)
        listed = client.get(f"{V2}/requests.{fmt}", params=query)
        for response in (posted, listed):
            assert response.status_code in (200, 400, 403, 404, 429), response.text
            doc = spec.document(response, fmt)
            if response.status_code != 200:
                assert not spec.check_errors(doc), doc
            elif response is posted:
                assert not spec.check_post(doc), doc
            else:
                assert not spec.check_requests(doc), doc

    run()
