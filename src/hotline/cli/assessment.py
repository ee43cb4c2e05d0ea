"""``hotline kpi``: the monthly assessment report (月度考核报告) and its scores as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotline.domain.assessment import Period
from hotline.domain.errors import DomainError


def _period(ctx: click.Context, param: click.Parameter, value: str) -> Period:
    from hotline.services.assessment.monthly import parse_period

    try:
        return parse_period(value)
    except DomainError as exc:
        raise click.BadParameter(exc.message) from None


@click.command("kpi")
@click.option(
    "--month", required=True, callback=_period, help="考核月份 YYYY-MM（也可 2026-Q4、2026）"
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="写出 Excel 报告")
@click.option("--json", "as_json", is_flag=True, help="输出完整 JSON（含各单位指标）")
def kpi(month: Period, out: Path | None, as_json: bool) -> None:
    """Assess a month: scores and rankings per group; optionally the Excel report."""
    from hotline.cli.ops import _fail, _sessions
    from hotline.services.assessment.monthly import month_assessment
    from hotline.services.assessment.report import result_to_dict, write_month_report

    try:
        with _sessions()() as session:
            result = month_assessment(session, period=month, details=out is not None)
    except DomainError as exc:
        _fail(exc)
        return
    if out is not None:
        write_month_report(result, out)
        click.echo(f"考核报告已写出：{out}", err=True)
    data = result_to_dict(result)
    if not as_json:
        data = {k: v for k, v in data.items() if k != "indicators"}
        for scores in data["ranking"].values():
            for item in scores:
                item.pop("parts", None)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
