"""退回市平台 in the console: offered to a dispatcher on a ticket awaiting dispatch, with a
reason; the ticket then ends and the feed carries it back to the city."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hotline.store.models import FeedEvent


def test_a_dispatcher_returns_a_ticket_to_the_city(
    browser: Any, make_ticket: Any, session: Any
) -> None:
    ticket = make_ticket(address="广州市天河区体育西路")
    disp = browser("disp")
    page = disp.get(f"/tickets/{ticket.id}")
    assert 'value="return_to_city"' in page.text and "退回市平台" in page.text
    assert 'value="return_to_city"' not in browser("op").get(f"/tickets/{ticket.id}").text

    refused = disp.act(ticket.id, "return_to_city")
    assert refused.status_code == 422 and "理由" in refused.json()["message"]
    done = disp.act(ticket.id, "return_to_city", reason="事发地在天河区，不属本区")
    assert done.status_code == 200
    shown = disp.get(done.headers["HX-Redirect"])
    assert "操作成功：退回市平台" in shown.text and "已退回市平台" in shown.text
    assert 'value="return_to_city"' not in shown.text
    kinds = session.scalars(select(FeedEvent.type).where(FeedEvent.ticket_id == ticket.id)).all()
    assert kinds == ["ticket.created", "ticket.returned_to_city"]
