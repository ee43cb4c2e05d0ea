"""The time-limit presets: the shipped defaults and 广东省12345's reply limits."""

from __future__ import annotations

from hotline.domain.limit_presets import PRESETS, matching_preset
from hotline.domain.limits import Limit, LimitRules


def test_guangdong_reply_limits_in_working_days() -> None:
    rules = PRESETS["guangdong"].rules
    normal = {
        t: rules.reply_limit(t, "normal")
        for t in ("consult", "help", "suggestion", "complaint", "report")
    }
    assert normal == {
        "consult": Limit(2, "workdays"),
        "help": Limit(10, "workdays"),
        "suggestion": Limit(10, "workdays"),
        "complaint": Limit(15, "workdays"),
        "report": Limit(15, "workdays"),
    }
    assert rules.reply_limit("suggestion", "urgent") == Limit(10, "workdays")  # never above normal
    assert rules.sign == LimitRules.default().sign  # the notice sets no sign-off limit


def test_a_preset_survives_storage_and_is_recognised() -> None:
    for key, preset in PRESETS.items():
        assert matching_preset(LimitRules.from_dict(preset.rules.to_dict())) == key
    edited = LimitRules.from_dict(
        {"reply": {"consult": {"normal": {"amount": 4, "unit": "workdays"}}}}
    )
    assert matching_preset(edited) is None
