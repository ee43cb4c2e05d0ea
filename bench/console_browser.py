"""Bench: what a person waits for in the console, measured in a real browser.

Debian's Chromium (Playwright, headless) goes through each role's pages and main actions
on the demo district and prints, per page and action, the time from the click (or the
navigation) to the content being there, p50 and p95 over the runs, beside the server's
time: the ``Server-Timing: app;dur=`` of the slowest response the step waited for.

    HOTLINE_DATA_DIR=/tmp/demo hotline demo --tickets 20000 --no-serve
    python bench/console_browser.py --data-dir /tmp/demo [--runs 10]    # serves it itself
    python bench/console_browser.py --base http://127.0.0.1:8000          # a running server

With ``--data-dir`` the bench starts ``hotline serve`` on a free port (one worker, no
jobs thread, so no job runs during a measurement) and stops it at the end. The tickets
it acts on are made first through the API (marked ``BENCH``), so each run acts on a
ticket of its own; the demo's accounts sign in (password ``hotline-demo-1``).

热点分析 is measured three ways: a unit's first view (its own tickets, analysed on the
spot: a different unit each run, so no cache helps), the district's first view with no
findings stored (the jobs worker down: analysed on the spot, one per window) and the
district's view as the ``hot_findings`` job stores it (``--store-findings`` runs the job
first), then cached views.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "hotline-demo-1"
UNIT = "jingtai"  # the unit whose inbox the bench works
#: Units whose first 热点分析 view is measured, one per run (each a cold cache).
ANALYSIS_UNITS = [
    "songzhou", "tongde", "huangshi", "tangjing", "xinshi", "tonghe", "jingxi",
    "yongping", "jiahe", "junhe", "shijing", "jinsha", "yuncheng", "helong", "baiyunhu",
    "shimen", "longgui", "dayuan", "renhe", "taihe", "zhongluotan", "jianggao", "sanyuanli",
]  # fmt: skip
ADDRESS = "白云区景泰街道广园中路88号"
TEXTS = [
    "市民来电反映：广园中路一工地夜间施工噪音扰民，凌晨两点仍在打桩，要求尽快处理。",
    "市民来电反映：小区门口下水道堵塞，污水漫到路面，气味很大，请求疏通。",
    "市民来电反映：路灯连续一周不亮，夜间出行不安全，请求维修。",
]


# ------------------------------------------------------------------ the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hotline(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("hotline")
    if exe.exists():
        return [str(exe), *args]
    return [sys.executable, "-c", "from hotline.cli import main; main()", *args]


@contextmanager
def served(data_dir: str) -> Iterator[str]:
    env = {**os.environ, "HOTLINE_DATA_DIR": data_dir}
    port = _free_port()
    log = open(Path(data_dir) / "bench-server.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(_hotline("serve", "--port", str(port)), env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited; see {log.name}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def store_findings(data_dir: str) -> None:
    env = {**os.environ, "HOTLINE_DATA_DIR": data_dir}
    command = _hotline("jobs", "run-now", "hot_findings")
    subprocess.run(command, env=env, check=True, capture_output=True)


# ------------------------------------------------------------------ tickets to act on


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
        self.tokens: dict[str, str] = {}

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = self.client.post("/auth/token", data={"username": user, "password": PASSWORD})
            r.raise_for_status()
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def intake(self, text: str) -> dict[str, Any]:
        body = {
            "content": text,
            "address": ADDRESS,
            "caller_name": "陈先生",
            "caller_phone": "13800138001",
            "type": "complaint",
            "urgency": "normal",
            "channel": "phone",
            "manual_dispatch": True,
        }
        r = self.client.post("/tickets", json=body, headers=self._headers("op1"))
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]

    def act(self, user: str, ticket_id: int, **body: Any) -> None:
        headers = self._headers(user)
        r = self.client.post(f"/tickets/{ticket_id}/actions", json=body, headers=headers)
        r.raise_for_status()


def prepare(api: Api, runs: int) -> dict[str, list[dict[str, Any]]]:
    """Tickets in each state an action needs, ``runs`` of each, through the API."""
    tag = uuid.uuid4().hex[:6].upper()

    def made(stage: str) -> list[dict[str, Any]]:
        return [api.intake(f"BENCH{tag}-{stage}{i} {TEXTS[i % len(TEXTS)]}") for i in range(runs)]

    stages = {name: made(name) for name in ("dispatch", "sign", "reply", "callback")}
    for stage in ("sign", "reply", "callback"):
        for t in stages[stage]:
            api.act("disp1", t["id"], action="dispatch", unit=UNIT)
    for stage in ("reply", "callback"):
        for t in stages[stage]:
            api.act(UNIT, t["id"], action="sign")
    for t in stages["callback"]:
        api.act(UNIT, t["id"], action="reply", content="已联系施工单位整改，承诺夜间停止施工。")
        api.act("disp1", t["id"], action="approve_reply")
    return stages


# ------------------------------------------------------------------ measuring


@dataclass
class Step:
    name: str
    browser_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)


class Tab:
    """One signed-in browser tab that notes each response's Server-Timing."""

    def __init__(self, browser: Any, base: str, user: str, width: int = 1920, height: int = 1080):
        self.base = base
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.timings: list[float] = []
        self.page.on("response", self._on_response)
        self.page.goto(f"{base}/login")
        self.page.fill("#username", user)
        self.page.fill("#password", PASSWORD)
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state("domcontentloaded")
        if "/login" in self.page.url:
            raise SystemExit(f"{user} could not sign in ({self.page.url})")

    def _on_response(self, response: Any) -> None:
        timing = response.headers.get("server-timing", "")
        if timing.startswith("app;dur=") and "/static/" not in response.url:
            self.timings.append(float(timing.split("=", 1)[1]))

    def close(self) -> None:
        self.context.close()


def measure(step: Step, tab: Tab, do: Callable[[], None]) -> None:
    tab.timings.clear()
    started = time.perf_counter()
    do()
    step.browser_ms.append((time.perf_counter() - started) * 1000)
    step.server_ms.append(max(tab.timings, default=0.0))


def visit(tab: Tab, path: str, ready: str) -> Callable[[], None]:
    def go() -> None:
        tab.page.goto(tab.base + path, wait_until="commit")
        tab.page.locator(ready).first.wait_for(state="visible")

    return go


def row_done(tab: Tab, number: str) -> None:
    tab.page.locator(".row-done", has_text=number).wait_for(state="visible")


def click_row(tab: Tab, button: Any, number: str) -> Callable[[], None]:
    """Click a queue row's button; done when the row says the action was taken."""

    def go() -> None:
        button.click()
        row_done(tab, number)

    return go


def press_until(tab: Tab, field_: str, key: str, ready: str) -> Callable[[], None]:
    def go() -> None:
        tab.page.locator(field_).press(key)
        tab.page.locator(ready).first.wait_for(state="visible")

    return go


def until_changed(tab: Tab, field_: str, key: str, shown: str, before: str) -> Callable[[], None]:
    """Press ``key`` in ``field_``; done when ``shown`` holds something new."""

    def go() -> None:
        tab.page.locator(field_).press(key)
        tab.page.wait_for_function(
            "([sel, prev]) => { const e = document.querySelector(sel);"
            " return e && e.textContent.trim() && e.textContent.trim() !== prev; }",
            arg=[shown, before],
        )

    return go


def dashboard_drawn(tab: Tab) -> Callable[[], None]:
    def go() -> None:
        tab.page.goto(f"{tab.base}/dashboard", wait_until="commit")
        tab.page.wait_for_function(
            "() => { const e = document.querySelector('#kpi-today');"
            " return e && e.textContent.trim() && e.textContent.trim() !== '—'; }"
        )

    return go


# ------------------------------------------------------------------ the steps

ANALYSIS = "main h1"


@dataclass
class Tabs:
    op: Tab
    disp: Tab
    unit: Tab
    sup: Tab
    boss: Tab


def run(base: str, runs: int, data_dir: str | None, store: bool) -> list[Step]:
    from playwright.sync_api import sync_playwright

    api = Api(base)
    tickets = prepare(api, runs)
    steps: dict[str, Step] = {}

    def step(name: str) -> Step:
        return steps.setdefault(name, Step(name))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        users = ("op1", "disp1", UNIT, "sup1", "leader1")
        tabs = Tabs(*(Tab(browser, base, user) for user in users))
        # warm-up: each page once (templates compiled, caches filled, static files kept)
        for tab, path, ready in [
            (tabs.op, "/intake", "#f-content"),
            (tabs.disp, "/dispatch", "#queue"),
            (tabs.unit, "/inbox", "#queue-tabs"),
            (tabs.sup, "/supervise", "#board"),
            (tabs.boss, "/dashboard", "#kpi-today"),
        ]:
            visit(tab, path, ready)()
        if data_dir is not None:  # 热点分析, the district's first view with nothing stored
            first = step("热点分析 首次（全区，未预先计算）")
            for days in (7, 30, 90):
                measure(first, tabs.sup, visit(tabs.sup, f"/analysis?days={days}", ANALYSIS))
            if store:
                store_findings(data_dir)
        for i in range(runs):
            one_run(i, tickets, step, browser, tabs)
        for tab in (tabs.op, tabs.disp, tabs.unit, tabs.sup, tabs.boss):
            tab.close()
        browser.close()
    return list(steps.values())


def one_run(
    i: int,
    tickets: dict[str, list[dict[str, Any]]],
    step: Callable[[str], Step],
    browser: Any,
    tabs: Tabs,
) -> None:
    op, disp, unit, sup, boss = tabs.op, tabs.disp, tabs.unit, tabs.sup, tabs.boss
    # 话务员: the intake page, then a call recorded
    measure(step("受理 页面"), op, visit(op, "/intake", "#f-content"))
    page = op.page
    page.check("#f-type-complaint")
    page.fill("#f-address", ADDRESS)
    page.fill("#f-content", f"BENCH-{i} {TEXTS[i % len(TEXTS)]}")
    hints = page.locator("#suggest", has_text="所属镇街")
    hints.or_(page.locator("#suggest", has_text="未能")).first.wait_for()
    shown = page.locator("#result-number")
    before = shown.inner_text() if shown.count() else ""
    submit = until_changed(op, "#f-content", "Control+Enter", "#result-number", before)
    measure(step("受理 提交"), op, submit)

    # 派单员: the queue, one dispatch; the callback list, one callback
    t = tickets["dispatch"][i]
    measure(step("派单 页面"), disp, visit(disp, "/dispatch?tab=awaiting", "#queue"))
    row = disp.page.locator(f"tr[data-number='{t['number']}']")
    row.locator("select[name=unit]").select_option(UNIT)
    measure(step("派单 提交"), disp, click_row(disp, row.locator("[data-main]"), t["number"]))
    t = tickets["callback"][i]
    measure(step("回访 页面"), disp, visit(disp, "/dispatch?tab=callbacks", "#queue"))
    row = disp.page.locator(f"tr[data-number='{t['number']}']")
    row.locator("select[name=satisfaction]").select_option("satisfied")
    row.locator("select[name=resolved]").select_option("true")
    measure(step("回访 提交"), disp, click_row(disp, row.locator("[data-main]"), t["number"]))

    # 承办单位: the inbox, a sign, a reply on the ticket page
    t = tickets["sign"][i]
    measure(step("本单位工单 页面"), unit, visit(unit, "/inbox?tab=sign", "#queue-tabs"))
    sign = unit.page.locator(f"tr[data-number='{t['number']}']").get_by_role("button", name="签收")
    measure(step("签收"), unit, click_row(unit, sign, t["number"]))
    t = tickets["reply"][i]
    measure(step("工单详情 页面"), unit, visit(unit, f"/tickets/{t['id']}", "#timeline"))
    unit.page.fill("#act-reply", "已联系施工单位整改，承诺夜间22点后停止施工。")
    reply = press_until(unit, "#act-reply", "Control+Enter", "#done-banner")
    measure(step("答复 提交"), unit, reply)

    # 督办: the board, one urge; 考核 month view; 热点分析; search
    measure(step("督办 页面"), sup, visit(sup, "/supervise", "#board"))
    row = sup.page.locator("#warned tbody tr").nth(i % 5)
    number = row.get_attribute("data-number") or ""
    row.locator("summary", has_text="督办").click()
    urge = row.get_by_role("button", name="确认")
    measure(step("督办 提交"), sup, click_row(sup, urge, number))
    measure(step("考核 月度"), sup, visit(sup, "/assessment", "#period-label"))
    measure(step("热点分析（全区）"), sup, visit(sup, "/analysis", ANALYSIS))
    measure(step("工单查询 页面"), sup, visit(sup, "/tickets", "#s-q"))
    sup.page.fill("#s-q", ["噪音", "路灯", "下水道"][i % 3])
    search = press_until(sup, "#s-q", "Enter", "#results tbody tr")
    measure(step("工单查询 搜索"), sup, search)

    # 领导: the 大屏 with its figures drawn
    measure(step("大屏"), boss, dashboard_drawn(boss))

    # a unit's first 热点分析 view (its own tickets, analysed on the spot), then again
    other = Tab(browser, op.base, ANALYSIS_UNITS[i % len(ANALYSIS_UNITS)])
    measure(step("热点分析 首次（单位）"), other, visit(other, "/analysis", ANALYSIS))
    measure(step("热点分析 再次（单位，缓存）"), other, visit(other, "/analysis", ANALYSIS))
    other.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(steps: list[Step], runs: int, load_before: tuple[float, ...]) -> None:
    print(f"machine: {machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}; after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"runs: {runs}")
    print(f"{'step':<28} {'n':>3} {'browser p50':>12} {'p95':>8} {'server p50':>11} {'p95':>8}")
    for s in steps:
        print(
            f"{s.name:<28} {len(s.browser_ms):>3} {statistics.median(s.browser_ms):>10.0f}ms"
            f" {pct(s.browser_ms, 0.95):>6.0f}ms {statistics.median(s.server_ms):>9.0f}ms"
            f" {pct(s.server_ms, 0.95):>6.0f}ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--base", help="URL of a demo district already served")
    where.add_argument("--data-dir", help="HOTLINE_DATA_DIR of a demo built with --no-serve")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--no-store-findings",
        dest="store",
        action="store_false",
        help="do not run the hot_findings job (the district's 热点分析 is analysed on the spot)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    if args.base:
        steps = run(args.base, args.runs, None, False)
    else:
        with served(args.data_dir) as base:
            steps = run(base, args.runs, args.data_dir, args.store)
    report(steps, args.runs, load_before)


if __name__ == "__main__":
    main()
