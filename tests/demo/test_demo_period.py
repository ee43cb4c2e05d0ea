"""A demo built today ends today: its year, its planted bursts and its `--end`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.demo import generate_district
from hotline.demo.bursts import BURSTS, in_period
from hotline.demo.loader import demo_end
from hotline.domain.errors import DomainError

LATER_END = datetime(2027, 9, 15, 17, 0)
LATER_START = date(2026, 9, 15)


def test_a_burst_keeps_its_own_date_when_it_falls_in_the_year() -> None:
    for burst in BURSTS:
        assert in_period(burst, datetime(2025, 11, 27), datetime(2026, 11, 27, 9)) is burst


def test_a_burst_outside_the_year_moves_to_its_date_in_the_year() -> None:
    for burst in BURSTS:
        moved = in_period(burst, datetime.combine(LATER_START, datetime.min.time()), LATER_END)
        assert moved is not None and moved.key == burst.key
        assert (moved.start.month, moved.start.day) == (burst.start.month, burst.start.day)
        assert datetime(2026, 9, 15) <= moved.start <= LATER_END
    assert in_period(BURSTS[0], datetime(2030, 2, 1), datetime(2030, 3, 1)) is None


def test_a_demo_year_ending_later_has_every_burst_and_tickets_up_to_its_last_day() -> None:
    tickets = generate_district(n_tickets=3000, seed=5, start=LATER_START, end=LATER_END)
    created = [t.created_at for t in tickets]
    assert min(created) >= datetime(2026, 9, 15) and max(created) <= LATER_END
    assert max(created).date() == LATER_END.date()  # a working day: it has its tickets
    keys = Counter(t.event_key for t in tickets if t.event_key)
    for burst in BURSTS:
        assert keys[burst.key] >= 24, burst.key
        moments = [t.created_at for t in tickets if t.event_key == burst.key]
        assert min(moments).year == (2027 if burst.start.month < 9 else 2026)


def test_now_means_the_start_of_the_present_hour() -> None:
    assert demo_end("now", now=datetime(2026, 12, 7, 18, 41, 5)) == datetime(2026, 12, 7, 18)
    assert demo_end(" 2026-11-27T09:00 ") == datetime(2026, 11, 27, 9)


def test_an_end_that_is_no_moment_is_refused_with_its_code() -> None:
    with pytest.raises(DomainError) as refused:
        demo_end("last friday")
    assert refused.value.code == "demo.bad_end" and "last friday" in refused.value.message


def test_the_demo_command_refuses_a_bad_end_before_touching_the_database(
    cli_env: Path,
) -> None:
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--end", "yesterday"])
    assert result.exit_code == 2 and "demo.bad_end" in result.output
    assert not (cli_env / "cli.db").exists()


def test_the_demo_command_builds_a_year_ending_at_its_end(cli_env: Path) -> None:
    from sqlalchemy import create_engine, text

    args = ["demo", "--no-serve", "--tickets", "300", "--end", "2027-03-10T16:00"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{cli_env / 'cli.db'}")
    with engine.connect() as conn:
        first, last = conn.execute(
            text("SELECT min(created_at), max(created_at) FROM tickets")
        ).one()
    engine.dispose()
    assert "2026-03-10" <= str(first) < "2026-03-20"
    assert "2027-03-01" <= str(last) <= "2027-03-10 16:00"  # ~1 ticket a day at this size
