"""The demo district generator: reproducible, realistic, and true to the life cycle."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from hotline.demo import BAD_UNITS, GOOD_UNITS, DemoTicket, generate_district
from hotline.demo.clock import WorkClock
from hotline.demo.timing import deadline, reply_limit

DATA = Path(__file__).resolve().parents[2] / "src" / "hotline" / "data"
END = datetime(2026, 11, 27, 9, 0)
TYPES = {"consult", "help", "complaint", "report", "suggestion", "praise"}
CHANNELS = {"phone", "web", "wechat", "city", "api"}
ROLES = {"operator", "dispatcher", "unit", "supervisor", "system"}


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


UNITS = {row["code"]: row for row in _csv("units.csv")}
TOWNS = {code for code, row in UNITS.items() if row["kind"] in ("street", "town")}
CATEGORIES = {f"{r['level1']}/{r['level2']}/{r['level3']}" for r in _csv("categories.csv")}


@pytest.fixture(scope="module")
def tickets() -> list[DemoTicket]:
    return generate_district(n_tickets=2000, seed=7)


# --------------------------------------------------------------- life-cycle checker

# state -> action -> next state; "back" means the state before the return request.
TRANSITIONS: dict[str, dict[str, str]] = {
    "awaiting_dispatch": {"close_at_intake": "closed", "merge": "closed", "dispatch": "dispatched"},
    "dispatched": {"sign": "handling", "request_return": "return_requested", "urge": "dispatched"},
    "handling": {
        "request_return": "return_requested",
        "request_extension": "extension_requested",
        "reply": "replied",
        "urge": "handling",
    },
    "return_requested": {"approve_return": "awaiting_dispatch", "reject_return": "back"},
    "extension_requested": {"approve_extension": "handling", "reject_extension": "handling"},
    "replied": {"approve_reply": "reviewed", "reject_reply": "handling"},
    "reviewed": {"callback": "closed"},
    "unsatisfied": {"reopen": "handling"},
    "closed": {},
}


def check_life_cycle(ticket: DemoTicket, index: int) -> list[str]:
    """Replay a ticket's events; return what breaks the life cycle (empty when valid)."""
    state, unit, back, extensions, replied = "awaiting_dispatch", None, "", 0, False
    errors = []
    for e in ticket.events:
        nxt = TRANSITIONS[state].get(e.action)
        if nxt is None:
            errors.append(f"{e.action} not allowed in {state}")
            break
        if e.actor_role == "unit" and e.actor_unit != unit:
            errors.append(f"{e.action} by {e.actor_unit}, ticket is with {unit}")
        if e.action == "dispatch":
            unit, extensions, replied = e.data["unit"], 0, False
            assert (e.actor_role == "system") == e.data["auto"]
        elif e.action == "request_return":
            back = state
            if replied:
                errors.append("return requested after a reply")
        elif e.action == "request_extension":
            extensions += 1
            if extensions > 1 or not 1 <= e.data["days"] <= 10:
                errors.append("more than one extension, or bad days")
        elif e.action == "reply":
            replied = True
        elif e.action == "callback":
            unhappy = e.data["reached"] and e.data.get("satisfaction") == "unsatisfied"
            nxt = "unsatisfied" if unhappy else "closed"
        elif e.action == "merge" and not 0 <= e.data["into_index"] < index:
            errors.append("merge into a later ticket")
        state = back if nxt == "back" else nxt
    return errors


# ------------------------------------------------------------------------ tests


def test_same_seed_same_district_and_other_seed_another() -> None:
    first = generate_district(n_tickets=300, seed=99)
    assert first == generate_district(n_tickets=300, seed=99)
    assert first != generate_district(n_tickets=300, seed=100)


def test_count_order_and_period(tickets: list[DemoTicket]) -> None:
    assert len(tickets) == 2000
    created = [t.created_at for t in tickets]
    assert created == sorted(created)
    assert created[0] >= datetime(2025, 11, 27) and created[-1] < END


def test_fields_take_their_allowed_values(tickets: list[DemoTicket]) -> None:
    for t in tickets:
        assert t.type in TYPES and t.channel in CHANNELS and t.urgency in ("normal", "urgent")
        assert t.category in CATEGORIES
        assert t.town in TOWNS and t.true_unit in UNITS
        for e in t.events:
            assert e.actor_role in ROLES
            assert (e.actor_unit is not None) == (e.actor_role == "unit")
            assert e.actor_unit is None or e.actor_unit in UNITS
            assert e.action != "dispatch" or e.data["unit"] in UNITS


def test_type_channel_and_urgency_mix(tickets: list[DemoTicket]) -> None:
    types = Counter(t.type for t in tickets)
    assert 0.4 <= types["consult"] / len(tickets) <= 0.6
    assert set(types) == TYPES
    phone = sum(t.channel == "phone" for t in tickets) / len(tickets)
    assert 0.55 <= phone <= 0.75
    urgent = sum(t.urgency == "urgent" for t in tickets) / len(tickets)
    assert 0.015 <= urgent <= 0.08
    consults = [t for t in tickets if t.type == "consult"]
    closed = sum(bool(t.events) and t.events[0].action == "close_at_intake" for t in consults)
    assert 0.55 <= closed / len(consults) <= 0.85


def test_every_ticket_follows_the_life_cycle(tickets: list[DemoTicket]) -> None:
    broken = {i: errs for i, t in enumerate(tickets) if (errs := check_life_cycle(t, i))}
    assert not broken, list(broken.items())[:5]


def test_times_never_go_back_nor_past_the_end(tickets: list[DemoTicket]) -> None:
    for t in tickets:
        moments = [t.created_at] + [e.at for e in t.events]
        assert moments == sorted(moments)
        assert moments[-1] <= END


def test_recent_tickets_are_partly_still_open(tickets: list[DemoTicket]) -> None:
    recent = [t for t in tickets if t.created_at > END - timedelta(days=14) and t.type != "consult"]
    finished = {"callback", "merge", "close_at_intake"}
    still_open = [t for t in recent if not t.events or t.events[-1].action not in finished]
    assert recent and 0 < len(still_open) < len(recent)


def test_addresses_name_the_town(tickets: list[DemoTicket]) -> None:
    with_address = [t for t in tickets if t.address is not None]
    assert len(with_address) > len(tickets) / 3
    for t in with_address:
        assert UNITS[t.town]["short"] in t.address, (t.town, t.address)


def test_texts_vary_like_real_calls(tickets: list[DemoTicket]) -> None:
    """Operators' records and citizens' own words, long and short, vague and several matters."""
    contents = [t.content for t in tickets]
    assert len(set(contents)) >= 0.9 * len(contents)
    lengths = sorted(len(c) for c in contents)
    assert lengths[len(lengths) // 2] >= 30 and lengths[-1] <= 600
    assert sum(len(c) < 25 for c in contents) > 0.05 * len(contents)
    records = [c for c in contents if c.startswith(("市", "来电人", "【"))]
    assert 0.35 < len(records) / len(contents) < 0.8  # the rest in the caller's words
    online = [t.content for t in tickets if t.channel in ("web", "wechat", "api")]
    assert sum(c.startswith(("市", "【")) for c in online) < 0.5 * len(online)
    assert sum("的问题，" in c and len(c) < 40 for c in contents) > 0.005 * len(contents)
    several = ("另外，", "还有，", "顺便再反映一下，", "还有一个事，")
    assert sum(any(m in c for m in several) for c in contents) > 0.01 * len(contents)
    assert len({t.topic for t in tickets}) >= 40


def test_planted_burst_many_reports_in_a_week_in_one_town(tickets: list[DemoTicket]) -> None:
    by_place: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for t in tickets:
        by_place[(t.topic, t.town)].append(t.created_at)

    def peak(moments: list[datetime]) -> int:
        return max(sum(1 for m in moments if a <= m <= a + timedelta(days=7)) for a in moments)

    bursts = {key: peak(m) for key, m in by_place.items() if len(m) >= 20}
    assert any(n >= 20 for n in bursts.values()), bursts
    water = [t for t in tickets if t.event_key == "burst-tonghe-water-2026-07"]
    assert len(water) >= 20 and {t.town for t in water} == {"tonghe"}
    assert len({t.content for t in water}) == len(water)


def test_repeat_callers_call_again_about_the_same_matter(tickets: list[DemoTicket]) -> None:
    by_phone: dict[str, list[DemoTicket]] = defaultdict(list)
    for t in tickets:
        if t.caller_phone:
            by_phone[t.caller_phone].append(t)
    repeats = [
        calls for calls in by_phone.values()
        if len(calls) > 1 and calls[1].created_at - calls[0].created_at <= timedelta(days=30)
        and calls[0].topic == calls[1].topic and calls[0].event_key == calls[1].event_key
    ]  # fmt: skip
    assert len(repeats) >= 0.015 * len(tickets)


def test_same_event_reports_share_key_place_and_time(tickets: list[DemoTicket]) -> None:
    groups: dict[str, list[DemoTicket]] = defaultdict(list)
    for t in tickets:
        if t.event_key and t.event_key.startswith("evt-"):
            groups[t.event_key].append(t)
    multi = [g for g in groups.values() if len(g) > 1]
    assert len(multi) >= 10
    for group in multi:
        assert len({t.topic for t in group}) == 1 and len({t.town for t in group}) == 1
    merges = [t for t in tickets if t.events and t.events[-1].action == "merge"]
    assert merges
    for t in merges:
        target = tickets[t.events[-1].data["into_index"]]
        assert target.event_key == t.event_key and target.created_at <= t.created_at


def test_machine_dispatch_grows_and_is_mostly_right(tickets: list[DemoTicket]) -> None:
    firsts = [(t, next(e for e in t.events if e.action == "dispatch")) for t in tickets
              if any(e.action == "dispatch" for e in t.events)]  # fmt: skip
    early = [e.data["auto"] for t, e in firsts if t.created_at < datetime(2026, 3, 1)]
    late = [e.data["auto"] for t, e in firsts if t.created_at >= datetime(2026, 8, 1)]
    assert sum(late) / len(late) > sum(early) / len(early) + 0.1
    auto = [t for t, e in firsts if e.data["auto"]]
    right = [t for t in auto if sum(e.action == "dispatch" for e in t.events) == 1]
    assert 0.85 <= len(right) / len(auto) <= 0.99


def _late_share(tickets: list[DemoTicket], units: tuple[str, ...]) -> float:
    clock = WorkClock(date(2025, 11, 1), date(2027, 12, 31))
    late = total = 0
    for t in tickets:
        dispatches = [e for e in t.events if e.action == "dispatch"]
        replies = [e for e in t.events if e.action == "reply"]
        if not dispatches or not replies or dispatches[-1].data["unit"] not in units:
            continue
        amount, in_workdays = reply_limit(t.type, t.urgency == "urgent")
        due = deadline(clock, dispatches[-1].at, amount, in_workdays)
        for e in t.events:
            if e.action == "request_extension":
                days = e.data["days"]
            if e.action == "approve_extension":
                due = clock.add(due, days)
        total += 1
        late += replies[0].at > due
    return late / total


def test_bad_units_are_clearly_worse_than_good_ones(tickets: list[DemoTicket]) -> None:
    assert _late_share(tickets, BAD_UNITS) > _late_share(tickets, GOOD_UNITS) + 0.05


@pytest.mark.slow
def test_a_full_year_is_quick() -> None:
    began = time.perf_counter()
    year = generate_district()
    assert len(year) == 20000
    assert time.perf_counter() - began < 20
    per_day = len(year) / len({t.created_at.date() for t in year})
    assert 45 <= per_day <= 65
