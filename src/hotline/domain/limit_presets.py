"""Time-limit presets (办理时限预设) the admin may choose instead of editing each limit.

* ``default``: the defaults of domain.md §4 (:meth:`LimitRules.default`).
* ``guangdong``: the reply limits of 《广东省12345政务服务便民热线管理办法》 (广东省人民政府
  办公厅, 2022-06-27; from 2022-09-01): 咨询 2, 求助 and 建议 10, 投诉 and 举报 15 working
  days. The notice counts from receipt (收到之日起); the hotline counts every limit from
  dispatch, so on a ticket dispatched the day it came in the two agree. It sets no urgent
  limits, sign-off or return windows: those keep the defaults, except that an urgent
  suggestion gets the same 10 working days as a normal one (never longer than normal).
  Praise (表扬) is not a type of the notice and keeps its 5 working days.

Where the notice was read and what is unverified: docs/guide/admin.md (办理时限).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hotline.domain.limits import Limit, LimitRules


@dataclass(frozen=True)
class LimitPreset:
    key: str
    label: str
    source: str
    rules: LimitRules


def _guangdong() -> LimitRules:
    base = LimitRules.default()
    reply = dict(base.reply)
    for ticket_type, days in {
        "consult": 2,
        "help": 10,
        "suggestion": 10,
        "complaint": 15,
        "report": 15,
    }.items():
        reply[(ticket_type, "normal")] = Limit(days, "workdays")
    reply[("suggestion", "urgent")] = Limit(10, "workdays")
    return replace(base, reply=reply)


PRESETS: dict[str, LimitPreset] = {
    p.key: p
    for p in (
        LimitPreset("default", "系统默认时限", "本系统默认值", LimitRules.default()),
        LimitPreset(
            "guangdong",
            "广东省12345时限",
            "《广东省12345政务服务便民热线管理办法》（广东省人民政府办公厅，2022年6月27日印发）",
            _guangdong(),
        ),
    )
}


def matching_preset(rules: LimitRules) -> str | None:
    """The key of the preset ``rules`` are exactly, else None (edited by hand)."""
    for preset in PRESETS.values():
        if preset.rules == rules:
            return preset.key
    return None
