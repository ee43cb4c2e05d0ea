"""`hotline holidays`: the admin's holiday and 调休 data."""

from __future__ import annotations

from datetime import date

import click

from hotline.cli.ops import _sessions, audited, prepare_database


@click.group()
def holidays() -> None:
    """Statutory holidays and adjusted working days (调休) kept in the database."""


@holidays.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--holiday", required=True, help="Working day (调休) or holiday.")
@click.option("--name", default="", help="e.g. 元旦, 春节, 春节调休.")
@audited("calendar.set")
def holidays_set(day, workday: bool, name: str) -> None:  # type: ignore[no-untyped-def]
    """Mark DAY (YYYY-MM-DD) a working day or a holiday."""
    from hotline.services.admin.calendar import set_day

    prepare_database()
    with _sessions()() as session:
        set_day(session=session, day=day.date(), is_workday=workday, name=name)
    click.echo(f"{day:%Y-%m-%d} 已设为{'工作日' if workday else '节假日'} {name}".rstrip())


@holidays.command("list")
@click.option("--year", type=int, default=None)
def holidays_list(year: int | None) -> None:
    """List the days the admin has set, and whether YEAR is known."""
    from hotline.services.admin.calendar import list_days, year_status

    prepare_database()
    with _sessions()() as session:
        for row in list_days(session=session, year=year):
            kind = "工作日" if row.is_workday else "节假日"
            click.echo(f"{row.day:%Y-%m-%d}  {kind}  {row.name}")
        status = year_status(session=session, year=year or date.today().year)
    if not status["known"]:
        click.echo(str(status["message"]), err=True)
