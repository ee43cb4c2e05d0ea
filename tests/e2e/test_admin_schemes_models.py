"""考核方案 and 模型管理 in a real browser, at the office's two screen sizes: the admin reads
the scheme in force, starts a 三率 version from the preset, is told in Chinese what is
wrong, saves it; reads the models' figures, is warned before forcing a worse dispatch
model into use, and rolls back."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hotline.clock import now_local
from hotline.intel.registry import ModelRegistry
from tests.e2e.conftest import Server
from tests.e2e.test_console import expect

pytestmark = pytest.mark.browser
SIZES = [(1920, 1080), (1366, 768)]


def _fits(console: Any) -> None:
    """No sideways scrolling: the page is as wide as the window."""
    wide = console.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page is {wide}px wider than the window"
    links = console.page.locator("nav.mainnav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "the menu wraps onto a second line"


def _accept_dialogs(console: Any) -> None:
    """Answer 确定 to the page's confirmations (the default tab answers 取消)."""
    console.page.remove_listener("dialog", console._on_dialog)  # noqa: SLF001
    console.page.on("dialog", lambda d: (console.dialogs.append(d.message), d.accept()))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_admin_reads_the_scheme_in_force(open_console: Any, width: int, height: int) -> None:
    root = open_console("root", width=width, height=height)
    root.goto("/admin/users")  # 考核方案 is one of the admin pages' tabs
    root.page.get_by_role("link", name="考核方案").click()
    expect(root.page.locator("h1")).to_have_text("考核方案")
    expect(root.page.locator("#scheme-versions")).to_contain_text("现行")
    expect(root.page.locator("#scheme-shown")).to_contain_text("按时办结率")
    _fits(root)
    root.shot(f"admin-schemes-{width}")
    assert not root.errors, root.errors


def test_a_three_rates_version_is_refused_then_saved(open_console: Any) -> None:
    root = open_console("root", width=1366, height=768)
    root.goto("/admin/schemes")
    root.page.select_option("#base-select", "three_rates")  # the form reloads from the preset
    expect(root.page.locator("input[name=use_response_rate]")).to_be_checked()
    expect(root.page.locator("input[name=exempt_mediation]")).to_be_checked()
    today = now_local().date()
    start = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    root.page.fill("input[name=version]", "三率-浏览器")
    root.page.fill("input[name=valid_from]", start.isoformat())
    root.page.fill("input[name=weight_satisfaction_rate]", "-35")
    root.page.click("#scheme-form button[type=submit]")
    expect(root.page.locator("#schemes-error")).to_have_text(
        "考核方案无效：指标「满意率」的权重不能为负"
    )
    expect(root.page.locator("input[name=version]")).to_have_value("三率-浏览器")  # kept
    root.page.locator("#schemes-error").scroll_into_view_if_needed()
    root.shot("admin-schemes-error-1366", full_page=False)
    root.page.fill("input[name=weight_satisfaction_rate]", "35")
    root.page.click("#scheme-form button[type=submit]")
    expect(root.page.locator("#schemes-notice")).to_contain_text("已保存考核方案 三率-浏览器")
    shown = root.page.locator("#scheme-shown")
    expect(shown).to_contain_text("待生效")
    expect(shown).to_contain_text("行政执法、调解类事项的回访不计入满意率")
    expect(shown).to_contain_text("响应率")
    root.shot("admin-schemes-saved-1366")
    refused = "status of 422"  # the refused form came back as a 422 page, as it should
    assert not [e for e in root.errors if refused not in e], root.errors


class Stub:
    """A stand-in for a dispatch model: the page reads its card, nothing loads it."""


@pytest.fixture
def dispatch_versions(server: Server) -> Any:
    """Two dispatch versions in the live server's models folder, v0001 in force and v0002
    worse; removed afterwards so that the other tests' intakes run without a model."""
    registry = ModelRegistry(Path(server.env["HOTLINE_DATA_DIR"]) / "models", "dispatch")
    summary = {"n": 5200, "units": 58}
    base = {"n": 780, "accuracy": 0.912, "macro_f1": 0.874, "auto_rate": 0.823}
    base |= {"auto_accuracy": 0.971, "threshold": 0.62}
    registry.promote(registry.register(Stub(), base, summary))
    registry.register(Stub(), base | {"macro_f1": 0.851, "accuracy": 0.903}, summary)
    yield registry
    shutil.rmtree(registry.folder)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_admin_reads_each_models_figures(
    open_console: Any, dispatch_versions: Any, width: int, height: int
) -> None:
    root = open_console("root", width=width, height=height)
    root.goto("/admin/users")  # 模型管理 is one of the admin pages' tabs
    root.page.get_by_role("link", name="模型管理").click()
    expect(root.page.locator("h1")).to_have_text("模型管理")
    table = root.page.locator("#versions-dispatch")
    expect(table).to_contain_text("宏平均F1 87.4%")
    expect(table).to_contain_text("宏平均F1 85.1% 低于现用版本的 87.4%")
    expect(root.page.locator("#summary-intake")).to_contain_text("训练于")  # by the seed
    expect(root.page.locator("#summary-difficulty")).to_contain_text("训练于")
    _fits(root)
    root.shot(f"admin-models-{width}")
    assert not root.errors, root.errors


def test_a_worse_model_needs_a_confirmation_and_can_be_rolled_back(
    open_console: Any, dispatch_versions: ModelRegistry
) -> None:
    root = open_console("root", width=1366, height=768)
    root.goto("/admin/models")
    force = root.page.locator("#versions-dispatch button", has_text="仍要启用")
    force.click()  # the tab answers 取消: nothing changes
    assert root.dialogs and "成绩不如现用版本" in root.dialogs[-1]
    assert dispatch_versions.promoted().version == "v0001"
    _accept_dialogs(root)
    force.click()
    expect(root.page.locator("#models-notice")).to_contain_text("已启用智能派单模型 v0002")
    assert dispatch_versions.promoted().version == "v0002"
    root.shot("admin-models-promoted-1366")
    root.page.locator("#kind-dispatch button", has_text="回滚到上一版本").click()
    expect(root.page.locator("#models-notice")).to_contain_text("现用版本 v0001")
    assert dispatch_versions.promoted().version == "v0001"
    assert not root.errors, root.errors
