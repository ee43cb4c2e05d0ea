"""The README's picture of the monthly assessment workbook (月度考核报告).

Builds a demo district (8,000 tickets) in a scratch SQLite database, writes the
October report exactly as ``hotline kpi --month 2026-10 --out`` does, then draws the
summary sheet — cell values with their number formats, fills, bold and column
widths as openpyxl reads them back — as an HTML table and photographs it with
Debian's chromium (Playwright, never a downloaded browser).

    .venv/bin/python docs/tools/report_picture.py \
        [--out docs/screenshots/report.png] [--tickets 8000]
"""

from __future__ import annotations

import argparse
import html
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

MONTH = "2026-10"
NOW = datetime(2026, 11, 27, 9, 0)


def build_report(folder: Path, n_tickets: int) -> Path:
    from hotline.services.admin import rules
    from hotline.services.assessment.monthly import month_assessment, parse_period
    from hotline.demo.loader import build_demo
    from hotline.services.admin.directory import seed_directory
    from hotline.services.assessment.report import write_month_report
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
        rules.invalidate()
        build_demo(session=session, n_tickets=n_tickets, seed=5)
        result = month_assessment(session, period=parse_period(MONTH), now=NOW)
        path = write_month_report(result, folder / "report.xlsx")
    engine.dispose()
    return path


def _shown(cell: Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    fmt = cell.number_format or "General"
    if isinstance(value, float):
        if "%" in fmt:
            decimals = fmt.split(".")[1].count("0") if "." in fmt else 0
            return f"{value * 100:.{decimals}f}%"
        if "0.0" in fmt:
            return f"{value:.{fmt.split('.')[1].count('0')}f}"
        return f"{value:g}"
    return str(value)


def _style(cell: Cell) -> str:
    css = []
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        rgb = str(fill.fgColor.rgb or "")
        if len(rgb) >= 6 and rgb[-6:] != "000000":
            css.append(f"background:#{rgb[-6:]}")
    if cell.font is not None:
        if cell.font.bold:
            css.append("font-weight:bold")
        color = cell.font.color.rgb if cell.font.color is not None else None
        if isinstance(color, str) and len(color) >= 6:
            css.append(f"color:#{color[-6:]}")
    if isinstance(cell.value, int | float):
        css.append("text-align:right")
    return ";".join(css)


def sheet_html(ws: Worksheet, max_rows: int = 30) -> str:
    widths = []
    for col in range(1, ws.max_column + 1):
        letter = ws.cell(row=1, column=col).column_letter
        width = ws.column_dimensions[letter].width or 10
        widths.append(f'<col style="width:{int(width * 8)}px">')
    rows = []
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, max_rows)):
        cells = "".join(f'<td style="{_style(c)}">{html.escape(_shown(c))}</td>' for c in row)
        rows.append(f"<tr>{cells}</tr>")
    return (
        "<!doctype html><meta charset=utf-8><style>"
        "body{margin:0;font:13px 'Noto Sans SC','Noto Sans CJK SC',sans-serif;background:#fff}"
        ".tabs{background:#f3f3f3;border-top:1px solid #ccc;padding:4px 8px;font-size:12px}"
        ".tabs span{padding:2px 10px;margin-right:2px;border:1px solid #ccc;background:#fff}"
        "table{border-collapse:collapse;table-layout:fixed}"
        "td{border:1px solid #d4d4d4;padding:2px 5px;white-space:nowrap;overflow:hidden;"
        "height:19px}</style>"
        f"<table>{''.join(widths)}{''.join(rows)}</table>"
    )


def tabs_html(names: list[str]) -> str:
    shown = "".join(f"<span>{html.escape(n)}</span>" for n in names[:8])
    more = f" … 共 {len(names)} 张工作表" if len(names) > 8 else ""
    return f'<div class="tabs">{shown}{html.escape(more)}</div>'


FONT_CSS = Path(__file__).resolve().parents[2] / "src/hotline/web/static/vendor/noto-sans-sc.css"


def photograph(page_html: str, out: Path, folder: Path) -> None:
    """Photograph the page with the console's own web font (installed from npm)."""
    from playwright.sync_api import sync_playwright

    if not FONT_CSS.exists():
        raise SystemExit(f"{FONT_CSS} missing: run `make assets` first")
    page_file = folder / "sheet.html"
    page_file.write_text(f'<link rel="stylesheet" href="{FONT_CSS.as_uri()}">' + page_html)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 400})
        page.goto(page_file.as_uri())
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots/report.png"))
    parser.add_argument("--tickets", type=int, default=8000, help="demo district size")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = build_report(Path(folder), args.tickets)
        workbook = load_workbook(path)
        summary = workbook.worksheets[0]
        page = sheet_html(summary) + tabs_html(workbook.sheetnames)
        photograph(page, args.out, Path(folder))
    print(f"{args.out}: summary sheet 「{summary.title}」 of {path.name}")


if __name__ == "__main__":
    main()
