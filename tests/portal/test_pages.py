"""The portal's pages as a browser without JavaScript uses them: plain form posts, the
typed text kept on error, every text escaped, forms CSRF-safe, nothing half-written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.store.models import PortalRequest, Ticket
from tests import samples
from tests.portal.conftest import CONTENT, form

PAGES = ["/m/", "/m/new", "/m/follow", "/m/board"]


@pytest.fixture
def tab(settings: Settings, engine: Any) -> Iterator[TestClient]:
    """A phone's browser: cookies kept, redirects not followed, no JavaScript."""
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


@pytest.fixture
def browser_factory(settings: Settings, engine: Any, session: Session) -> Iterator[Any]:
    """``browser_factory("disp")`` → a console client logged in through the login form."""
    from tests.factories import PASSWORD, USERS, make_user

    opened: list[TestClient] = []

    def make(username: str) -> TestClient:
        role, unit = USERS[username]
        make_user(session, username, role, unit)
        client = TestClient(create_app(settings), follow_redirects=False)
        opened.append(client)
        client.get("/login")
        data = {
            "username": username,
            "password": PASSWORD,
            "csrf_token": client.cookies["hotline_csrf"],
        }
        assert client.post("/login", data=data).status_code == 303
        return client

    yield make
    for client in opened:
        client.close()


def token_of(html: str, form_id: str | None = None) -> str:
    if form_id:
        html = html[html.index(f'id="{form_id}"') :]
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def submit(
    tab: TestClient, photos: list[tuple[str, bytes, str]] | None = None, **fields: Any
) -> Any:
    token = fields.pop("token", None) or token_of(tab.get("/m/new").text)
    files = (
        [("photos", p) for p in photos]
        if photos
        else [("photos", ("", b"", "application/octet-stream"))]
    )
    return tab.post("/m/new", data={"token": token, **form(**fields)}, files=files)


def receipt_of(html: str) -> tuple[str, str]:
    number = re.search(r'id="receipt-number"[^>]*>([^<]+)<', html)
    code = re.search(r'id="receipt-code"[^>]*>([^<]+)<', html)
    assert number and code, html
    return number.group(1), code.group(1).replace(" ", "")


def count(session: Session, table: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_public_safe_and_local(tab: TestClient, path: str) -> None:
    response = tab.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY"
    assert "hotline_portal" in response.cookies
    assert 'lang="zh-CN"' in response.text and 'name="viewport"' in response.text
    assert not re.search(r'(src|href)="(https?:)?//', response.text)  # no CDN, nothing remote
    assert "<script>" not in response.text  # no inline script


def test_a_request_sent_without_javascript_gives_number_and_code(
    tab: TestClient, session: Session
) -> None:
    response = submit(tab, photos=[("现场.jpg", samples.jpeg_with_gps(), "image/jpeg")])
    assert response.status_code == 200
    number, code = receipt_of(response.text)
    assert re.fullmatch(r"BY\d{14}", number) and re.fullmatch(r"\d{8}", code)
    assert "已上传照片 1 张" in response.text
    # the receipt lets this browser open the ticket right away
    page = tab.get(f"/m/t/{number}")
    assert page.status_code == 200 and CONTENT in page.text and "138****8000" in page.text


def test_a_reload_of_the_answer_makes_no_second_ticket(tab: TestClient, session: Session) -> None:
    token = token_of(tab.get("/m/new").text)
    first = receipt_of(submit(tab, token=token).text)
    again = submit(tab, token=token)
    assert receipt_of(again.text) == first and "该诉求已提交" in again.text
    assert count(session, Ticket) == 1


def test_a_wrong_form_comes_back_filled_in_with_precise_messages(
    tab: TestClient, session: Session
) -> None:
    response = submit(tab, content="路灯坏了", address="白云区景泰街道云霄路12号", phone="1380013")
    assert response.status_code == 422
    assert "诉求内容太短：至少 10 个字，您填写了 4 个字" in response.text
    assert "手机号码应为 11 位数字" in response.text
    assert ">路灯坏了</textarea>" in response.text  # what was typed is kept
    assert 'value="白云区景泰街道云霄路12号"' in response.text
    assert 'aria-invalid="true"' in response.text and "有 2 处需要修改" in response.text
    assert count(session, Ticket) == 0 and count(session, PortalRequest) == 0


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"content": "路灯坏了<script>alert('x')</script>请修"}, "不能包含网页代码"),
        ({"address": "云霄路<img src=x onerror=alert(1)>"}, "不能包含网页代码"),
        ({"content": "路灯坏了很多天了\x07请尽快修理好"}, "控制字符"),
        ({"content": "长" * 2500}, "最多 2000 个字，您填写了 2500 个字"),
        ({"kind": "<b>x</b>"}, "请选择诉求类型"),
    ],
)
def test_hostile_text_is_refused_escaped_and_nothing_written(
    tab: TestClient, session: Session, fields: dict[str, str], words: str
) -> None:
    response = submit(tab, **fields)
    assert response.status_code == 422 and words in response.text
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert count(session, Ticket) == 0


def test_a_bad_photo_keeps_the_text_and_writes_nothing(tab: TestClient, session: Session) -> None:
    response = submit(tab, photos=[("a.jpg", samples.jpeg_with_gps(), "image/jpeg"),
                                   ("b.jpg", samples.windows_exe(), "image/jpeg")])  # fmt: skip
    assert response.status_code == 415
    assert "第 2 张照片" in response.text and "请重新选择" in response.text
    assert CONTENT in response.text
    assert count(session, Ticket) == 0 and count(session, PortalRequest) == 0


def test_an_oversized_body_is_refused_before_it_is_read(
    settings: Settings, engine: Any, session: Session
) -> None:
    settings.portal_photos_max = 1
    settings.portal_photo_max_bytes = 50_000
    with TestClient(create_app(settings), follow_redirects=False) as tab:
        response = submit(tab, photos=[("big.jpg", b"\xff\xd8" + b"0" * 400_000, "image/jpeg")])
    assert response.status_code == 413 and "提交的内容过大" in response.text
    assert count(session, Ticket) == 0


@pytest.mark.parametrize("token", ["", "forged", "eyJwIjoibmV3In0.forged.sig"])
def test_a_post_without_this_browsers_form_token_is_refused(
    tab: TestClient, session: Session, token: str
) -> None:
    tab.get("/m/new")
    response = tab.post("/m/new", data={"token": token, **form()})
    assert response.status_code == 403 and "页面已失效" in response.text
    assert count(session, Ticket) == 0


def test_another_browsers_token_is_refused(
    tab: TestClient, settings: Settings, engine: Any, session: Session
) -> None:
    """A page of the attacker's own, posting to the portal from the victim's browser."""
    with TestClient(create_app(settings), follow_redirects=False) as attacker:
        token = token_of(attacker.get("/m/new").text)
    tab.get("/m/")
    response = tab.post("/m/new", data={"token": token, **form()})
    assert response.status_code == 403 and count(session, Ticket) == 0


def test_an_expired_form_comes_back_filled_in(
    tab: TestClient, settings: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as time_module

    token = token_of(tab.get("/m/new").text)
    later = time_module.time() + settings.portal_form_ttl_minutes * 60 + 5
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = submit(tab, token=token)
    assert response.status_code == 422 and "请再提交一次" in response.text
    assert CONTENT in response.text and count(session, Ticket) == 0


def test_following_needs_the_code_and_guessing_is_throttled(
    tab: TestClient, settings: Settings
) -> None:
    number, code = receipt_of(submit(tab).text)
    stranger = TestClient(tab.app, follow_redirects=False)
    assert stranger.get(f"/m/t/{number}").headers["location"] == f"/m/follow?number={number}"
    page = stranger.get(f"/m/follow?number={number}")
    assert f'value="{number}"' in page.text
    for n in range(settings.portal_code_failures):
        wrong = stranger.post(
            "/m/follow", data={"token": token_of(page.text), "number": number, "code": f"{n:08d}"}
        )
        assert wrong.status_code == 404 and "工单编号或查询码不正确" in wrong.text
    locked = stranger.post(
        "/m/follow", data={"token": token_of(page.text), "number": number, "code": code}
    )
    assert locked.status_code == 429 and "15 分钟" in locked.text
    # a ticket other than the guessed one is still reachable with its own code
    other_number, other_code = receipt_of(submit(tab, phone="13900139000").text)
    opened = stranger.post(
        "/m/follow", data={"token": token_of(page.text), "number": other_number, "code": other_code}
    )
    assert opened.status_code == 303 and opened.headers["location"] == f"/m/t/{other_number}"
    assert stranger.get(f"/m/t/{other_number}").status_code == 200


def test_a_low_rating_by_form_reaches_the_dispatchers_queue(
    tab: TestClient, session: Session, answer: Callable[..., None], browser_factory: Any
) -> None:
    number, _code = receipt_of(submit(tab).text)
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
    answer(ticket_id)
    page = tab.get(f"/m/t/{number}")
    assert "评价办理结果" in page.text and "恢复照明" in page.text
    token = token_of(page.text, "rate-form")
    missing = tab.post(
        f"/m/t/{number}/rate", data={"token": token, "rating": "1", "resolved": "no"}
    )
    assert missing.status_code == 422 and "请写明理由" in missing.text
    assert 'id="rating-1" checked' in missing.text  # the choice is kept
    reason = "路灯仍然不亮，晚上很危险<b>"
    done = tab.post(
        f"/m/t/{number}/rate",
        data={"token": token, "rating": "1", "resolved": "no", "reason": reason},
    )
    assert done.status_code == 422 and "网页代码" in done.text  # markup refused here too
    done = tab.post(
        f"/m/t/{number}/rate",
        data={
            "token": token,
            "rating": "1",
            "resolved": "no",
            "reason": "路灯仍然不亮，晚上很危险",
        },
    )
    assert done.status_code == 303
    shown = tab.get(done.headers["location"].split("#")[0])
    assert (
        "感谢您的评价" in shown.text
        and "复核中" in shown.text
        and "非常不满意，问题未解决。" in shown.text
    )
    session.expire_all()
    assert (
        session.scalar(select(Ticket.status).where(Ticket.id == ticket_id)) == lc.Status.UNSATISFIED
    )
    dispatcher = browser_factory("disp")
    queue = dispatcher.get("/dispatch?tab=unsatisfied")
    assert number in queue.text and "非常不满意" in queue.text and "路灯仍然不亮" in queue.text


def test_the_board_is_searchable_and_likes_count_once(
    tab: TestClient, session: Session, answer: Callable[..., None]
) -> None:
    number, _code = receipt_of(submit(tab, publish="1", content="我叫张三，" + CONTENT).text)
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
    answer(ticket_id)
    page = tab.get("/m/board?q=路灯")
    assert "共 1 条" in page.text and "〔姓名〕" in page.text and "张三" not in page.text
    assert number not in page.text  # the board shows no ticket numbers
    token = token_of(page.text)
    liked = tab.post(f"/m/board/{ticket_id}/like", data={"token": token, "back": "q=路灯&evil=1"})
    assert liked.status_code == 303
    assert liked.headers["location"] == f"/m/board?q=%E8%B7%AF%E7%81%AF#a{ticket_id}"
    again = tab.post(
        f"/m/board/{ticket_id}/like", data={"token": token}, headers={"Accept": "application/json"}
    )
    assert again.json() == {"likes": 1, "added": False, "liked": True}
    assert "已点赞" in tab.get("/m/board").text
    assert tab.get("/m/board?q=张三").text.count('class="m-card m-answer"') == 0


def test_the_sms_code_works_without_javascript(
    tab: TestClient, settings: Settings, session: Session
) -> None:
    from tests.portal.conftest import SENT

    settings.portal_sms_code = True
    settings.reminder_sender = "tests.portal.conftest:recording_sender"
    SENT.clear()
    token = token_of(tab.get("/m/new").text)
    asked = tab.post("/m/new", data={"token": token, "action": "send_code", **form()})
    assert asked.status_code == 200 and "验证码已发送至 138****8000" in asked.text
    assert CONTENT in asked.text  # the form comes back as typed
    code = re.search(r"验证码是 (\d{6})", SENT[-1][1])
    assert SENT[-1][0] == "13800138000" and code
    token = token_of(asked.text)
    refused = tab.post(
        "/m/new",
        data={
            "token": token,
            **form(),
            "sms_code": "000000" if code.group(1) != "000000" else "111111",
        },
    )
    assert refused.status_code == 422 and "验证码不正确" in refused.text
    done = tab.post("/m/new", data={"token": token, **form(), "sms_code": code.group(1)})
    assert done.status_code == 200 and "提交成功" in done.text
    assert count(session, Ticket) == 1
