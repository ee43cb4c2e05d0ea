"""How the console shows things: labels, colours, times and countdowns (Jinja filters)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.limits import WARNING_COLOURS, WARNING_LABELS, WarningLevel
from hotline.services.admin.directory import UNIT_KIND_LABELS, person

STATUS = {s.value: info for s, info in lc.STATUS_INFO.items()}
TYPES = {t.value: label for t, label in lc.TYPE_LABELS.items()}
URGENCIES = {u.value: label for u, label in lc.URGENCY_LABELS.items()}
ROLES = {r.value: label for r, label in lc.ROLE_LABELS.items()}
ACTIONS = {a.value: rule.label for a, rule in lc.RULES.items()}
WARNINGS = {w.value: (WARNING_LABELS[w], WARNING_COLOURS[w]) for w in WarningLevel}
SHORT_WARNINGS = {"none": "正常", "yellow": "黄色预警", "red": "超期"}


def as_dt(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def fmt_dt(value: datetime | str | None, with_year: bool = True, today: date | None = None) -> str:
    """``2026-11-27 14:05``, or ``11-27 14:05`` without the year when it is this year's
    (``with_year=False``: a moment of another year always shows its year); ``—`` when empty."""
    moment = as_dt(value)
    if moment is None:
        return "—"
    if not with_year and moment.year == (today or now_local().date()).year:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def duration(seconds: float) -> str:
    """A span in Chinese: ``2天3小时``, ``5小时12分``, ``8分钟``."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{max(minutes, 1)}分钟"


@dataclass(frozen=True)
class Countdown:
    """What is left of a limit at ``now``: state ``ok`` / ``warn`` / ``late`` / ``done``."""

    seconds: int
    state: str
    text: str


def countdown(
    due: datetime | str | None,
    now: datetime,
    done_at: datetime | str | None = None,
    yellow_at: datetime | str | None = None,
) -> Countdown | None:
    due_dt = as_dt(due)
    if due_dt is None:
        return None
    done = as_dt(done_at)
    if done is not None:
        late = done > due_dt
        text = f"已完成（超时 {duration((done - due_dt).total_seconds())}）" if late else "按时完成"
        return Countdown(0, "late" if late else "done", text)
    seconds = int((due_dt - now).total_seconds())
    if seconds < 0:
        return Countdown(seconds, "late", f"已超期 {duration(seconds)}")
    yellow = as_dt(yellow_at)
    state = "warn" if yellow is not None and now >= yellow else "ok"
    return Countdown(seconds, state, f"剩余 {duration(seconds)}")


def pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def query_with(params: Any, **changes: Any) -> str:
    """The current query string with some parameters changed (``None`` removes one)."""
    items = {k: v for k, v in params.items() if v not in ("", None)}
    for key, value in changes.items():
        if value in ("", None):
            items.pop(key, None)
        else:
            items[key] = value
    return urlencode(items)


def pages(page: int, total_pages: int) -> list[int | None]:
    """Page numbers to show: first, last and the neighbours of ``page`` (None = gap)."""
    wanted = {1, total_pages, page - 2, page - 1, page, page + 1, page + 2}
    shown = sorted(p for p in wanted if 1 <= p <= total_pages)
    out: list[int | None] = []
    for p in shown:
        if out and p - (out[-1] or 0) > 1:
            out.append(None)
        out.append(p)
    return out


def alternatives(
    suggestion: Any, top: str | None, limit: int = 2
) -> list[tuple[str, float | None]]:
    """Other units the machine proposed (``suggestion["top"]`` or ``["candidates"]``)."""
    if not isinstance(suggestion, dict):
        return []
    items = (
        suggestion.get("top")
        or suggestion.get("candidates")
        or suggestion.get("alternatives")
        or []
    )
    if not isinstance(items, list):
        return []
    out: list[tuple[str, float | None]] = []
    for item in items:
        unit, conf = None, None
        if isinstance(item, dict):
            unit, conf = item.get("unit"), item.get("confidence")
        elif isinstance(item, list | tuple) and len(item) == 2:
            unit, conf = item
        if isinstance(unit, str) and unit != top:
            out.append((unit, float(conf) if isinstance(conf, int | float) else None))
    return out[:limit]


def reason_words(items: Any, limit: int = 4) -> list[str]:
    """The evidence words of a suggestion; older suggestions stored (phrase, weight) pairs."""
    if not isinstance(items, list | tuple):
        return []
    words: list[str] = []
    for item in items:
        if isinstance(item, list | tuple) and item and isinstance(item[0], str):
            item = item[0]
        if isinstance(item, str) and item and item not in words:
            words.append(item)
    return words[:limit]


def reason_text(detail: Any) -> str:
    """依据 in words: “停水”“没水”（供水）；地点：嘉禾望岗."""
    if not isinstance(detail, Mapping):
        return ""
    words = reason_words(detail.get("reasons"))
    matter = detail.get("matter")
    parts = ["".join(f"“{w}”" for w in words)] if words else []
    if parts and isinstance(matter, str) and matter:
        parts[0] += f"（{matter}）"
    place = detail.get("place")
    if isinstance(place, str) and place:
        parts.append(f"地点：{place}")
    return "；".join(parts)


def install(env: Any) -> None:
    """Register the filters and the label tables on a Jinja environment."""
    env.filters.update(dt=fmt_dt, pct=pct, duration=duration)
    env.globals.update(
        STATUS=STATUS,
        TYPES=TYPES,
        URGENCIES=URGENCIES,
        ROLES=ROLES,
        ACTIONS=ACTIONS,
        WARNINGS=WARNINGS,
        SHORT_WARNINGS=SHORT_WARNINGS,
        CHANNELS=lc.CHANNEL_LABELS,
        SATISFACTION=lc.SATISFACTION_LABELS,
        OBJECTIONS=lc.OBJECTION_LABELS,
        UNIT_KINDS=UNIT_KIND_LABELS,
        countdown=countdown,
        person=person,
        alternatives=alternatives,
        reason_words=reason_words,
        reason_text=reason_text,
        query_with=query_with,
        pages=pages,
    )
