"""考核方案 and 模型管理 pages: admins only; a scheme's versions and its words; a new
version from the one in force or a preset, refused in precise Chinese and saved whole or
not at all; models' versions with their held-out figures, a worse one promoted only when
confirmed, rolled back, retrained as a job; every change in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.scheme import ScoringScheme
from hotline.intel.registry import ModelRegistry
from hotline.services.admin import models as model_admin
from hotline.services.assessment import monthly, schemes
from hotline.store.models import AuditEntry, JobRun

ADMIN_PAGES = ("/admin/schemes", "/admin/models")


def _next_month() -> str:
    today = now_local().date()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1).isoformat()


def _audited(session: Session, action: str) -> list[dict[str, Any]]:
    session.expire_all()
    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
    return [row.detail for row in rows]


def test_only_admins_open_the_scheme_and_model_pages(browser: Any) -> None:
    for path in ADMIN_PAGES:
        assert browser("root").get(path).status_code == 200, path
        for name in ("op", "disp", "sup", "boss", "jingtai"):
            assert browser(name).get(path).status_code == 403, (path, name)


# ---------------------------------------------------------------- 考核方案


def test_the_scheme_in_force_is_listed_and_described_in_chinese(browser: Any) -> None:
    page = browser("root").get("/admin/schemes").text
    assert "方案版本（共 1 个）" in page and "2026.1" in page and "现行" in page
    assert "按时办结率" in page and "满意率" in page and "红色名单" in page
    assert "on_time_reply_rate" not in page.split('id="new-scheme"')[0]  # no field names


def test_the_three_rates_preset_fills_the_form(browser: Any) -> None:
    page = browser("root").get("/admin/schemes?base=three_rates").text
    form = page.split('id="scheme-form"')[1]
    assert 'name="use_response_rate" checked' in form
    assert 'name="use_on_time_reply_rate" checked' not in form
    assert 'name="exempt_mediation" checked' in form and 'name="exempt_enforcement" checked' in form


def _three_rates_form(tab: Any, **changes: str) -> dict[str, str]:
    preset = ScoringScheme.three_rates("预设", now_local().date())
    form = schemes.form_values(preset, "三率-2027", _next_month())
    return {**form, "base": "three_rates", "csrf_token": tab.csrf, **changes}


def test_a_new_version_from_the_preset_is_saved_and_audited(browser: Any, session: Session) -> None:
    tab = browser("root")
    response = tab.post("/admin/schemes", _three_rates_form(tab), htmx=False)
    assert response.status_code == 200, response.text
    assert "已保存考核方案 三率-2027" in response.text and "待生效" in response.text
    stored = monthly.load_schemes(session)
    assert [s.version for s in stored] == ["2026.1", "三率-2027"]
    assert stored[1].satisfaction_exempt == ("enforcement", "mediation")
    assert set(stored[1].rules) == {"response_rate", "resolution_rate", "satisfaction_rate"}
    [entry] = _audited(session, "scheme.add")
    assert entry["version"] == "三率-2027" and entry["based_on"] == "three_rates"
    start = date.fromisoformat(_next_month())
    after = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    assert f'name="valid_from" value="{after.isoformat()}"' in response.text  # the next free


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_satisfaction_rate": "三十五"}, "指标「满意率」的权重须为数字"),
        ({"full_response_rate": "50"}, "指标「响应率」的满分线（0.5）须高于零分线（0.6）"),
        ({"band_red": "80", "band_watch": "70"}, "红色名单线（80）≤ 关注名单线（70）"),
        ({"version": " "}, "版本号不能为空"),
        ({"valid_from": "2020-01-01"}, "新方案不能早于本月生效"),
        ({"valid_from": "明年"}, "生效日期须为日期"),
    ],
)
def test_a_refused_version_says_why_in_chinese_and_saves_nothing(
    browser: Any, session: Session, changes: dict[str, str], message: str
) -> None:
    tab = browser("root")
    response = tab.post("/admin/schemes", _three_rates_form(tab, **changes), htmx=False)
    assert response.status_code in (409, 422) and message in response.text
    assert [s.version for s in monthly.load_schemes(session)] == ["2026.1"]
    assert _audited(session, "scheme.add") == []
    assert 'value="三率-2027"' in response.text or changes.get("version")  # the form as typed


def test_a_second_version_on_the_same_day_is_refused(browser: Any, session: Session) -> None:
    tab = browser("root")
    assert tab.post("/admin/schemes", _three_rates_form(tab), htmx=False).status_code == 200
    again = tab.post("/admin/schemes", _three_rates_form(tab, version="另一个"), htmx=False)
    assert again.status_code == 409 and "已有同版本或同日生效的方案" in again.text


# ---------------------------------------------------------------- 模型管理


class Stub:
    """A stand-in for a trained dispatch model: the registry only stores it."""


def _register(settings: Settings, **metrics: float) -> str:
    registry = ModelRegistry(settings.models_dir, "dispatch")
    figures = {"n": 300, "accuracy": 0.9, "macro_f1": 0.85, "auto_rate": 0.8, **metrics}
    figures["auto_accuracy"], figures["threshold"] = 0.97, 0.6
    return registry.register(Stub(), figures, {"n": 2000, "units": 40})


@pytest.fixture
def two_versions(settings: Settings) -> ModelRegistry:
    """v0001 in force; v0002 measured worse on macro-F1 (0.80 < 0.85)."""
    registry = ModelRegistry(settings.models_dir, "dispatch")
    registry.promote(_register(settings))
    _register(settings, macro_f1=0.80)
    return registry


def test_the_models_page_lists_each_kind_with_its_figures(browser: Any, two_versions: Any) -> None:
    page = browser("root").get("/admin/models").text
    assert "智能派单" in page and "受理辅助" in page and "疑难工单识别" in page
    assert "v0001" in page and "v0002" in page and "现用" in page
    assert "宏平均F1 <b>85.0%</b>" in page and "自动派单率 <b>80.0%</b>" in page
    assert "2,000" in page  # trained on
    assert "宏平均F1 80.0% 低于现用版本的 85.0%" in page  # the guard, shown before promoting
    assert "macro_f1" not in page


def test_a_worse_version_is_promoted_only_when_forced(
    browser: Any, two_versions: ModelRegistry, session: Session
) -> None:
    tab = browser("root")
    refused = tab.post("/admin/models/dispatch/promote", {"version": "v0002"}, htmx=False)
    assert refused.status_code == 409 and "比现用版本 v0001 差" in refused.text
    assert two_versions.promoted().version == "v0001"
    assert _audited(session, "model.promote") == []
    forced = tab.post(
        "/admin/models/dispatch/promote", {"version": "v0002", "force": "1"}, htmx=False
    )
    assert forced.status_code == 200 and "已启用智能派单模型 v0002" in forced.text
    assert two_versions.promoted().version == "v0002"
    [entry] = _audited(session, "model.promote")
    assert entry == {"kind": "dispatch", "version": "v0002", "previous": "v0001", "forced": True}


def test_the_serving_side_loads_the_promoted_version_at_once(two_versions: ModelRegistry) -> None:
    assert two_versions.load_promoted().card_["version"] == "v0001"
    two_versions.promote("v0002", force=True)
    assert two_versions.load_promoted().card_["version"] == "v0002"


def test_rolling_back_puts_the_previous_version_back(
    browser: Any, two_versions: ModelRegistry, session: Session
) -> None:
    tab = browser("root")
    tab.post("/admin/models/dispatch/promote", {"version": "v0002", "force": "1"}, htmx=False)
    back = tab.post("/admin/models/dispatch/rollback", htmx=False)
    assert back.status_code == 200 and "现用版本 v0001" in back.text
    assert two_versions.promoted().version == "v0001"
    [entry] = _audited(session, "model.rollback")
    assert entry == {"kind": "dispatch", "version": "v0001", "from": "v0002"}
    nothing = tab.post("/admin/models/dispatch/rollback", htmx=False)
    assert nothing.status_code == 409 and "没有更早启用过的版本" in nothing.text


def test_an_unknown_version_or_an_unversioned_kind_is_refused(
    browser: Any, two_versions: Any
) -> None:
    tab = browser("root")
    missing = tab.post("/admin/models/dispatch/promote", {"version": "v0099"}, htmx=False)
    assert missing.status_code == 404 and "没有智能派单模型版本 v0099" in missing.text
    single = tab.post("/admin/models/difficulty/rollback", htmx=False)
    assert single.status_code == 409 and "只保留现用的一份" in single.text


def test_a_retraining_runs_as_the_dispatch_job_and_its_outcome_is_shown(
    browser: Any, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_admin, "_in_thread", lambda work: work())  # run it here
    tab = browser("root")
    started = tab.post("/admin/models/dispatch/retrain", htmx=False)
    assert started.status_code == 200 and "已开始重训智能派单模型" in started.text
    session.expire_all()
    [run] = session.scalars(select(JobRun).where(JobRun.job == "dispatch_retrain"))
    assert run.status == "done" and run.slot.startswith("manual:")
    fragment = tab.get("/admin/models/runs/dispatch").text
    assert "已完成" in fragment and "未训练：可用于训练的已签收工单不足" in fragment
    assert _audited(session, "model.retrain") == [{"kind": "dispatch"}]


def test_a_kind_without_a_retraining_job_is_not_retrained_here(browser: Any) -> None:
    refused = browser("root").post("/admin/models/intake/retrain", htmx=False)
    assert refused.status_code == 422 and "没有重训任务" in refused.text
