"""Reading a holiday schedule as people paste it (节假日与调休的快速录入).

Two forms, mixed freely, one entry per line:

* short lines: ``2027-01-01 休``, ``2027-02-06 至 2027-02-12 休 春节``, ``2027-02-14 班``
  (``休``/``放假``: a holiday; ``班``/``上班``/``补班``: an adjusted working day 调休上班);
* the State Council's notice as published (国务院办公厅关于某年部分节假日安排的通知):
  ``二、春节：2月6日（周六）至12日（周五）放假调休，共7天。2月14日（周日）上班。`` — the
  name before the colon, the days of each sentence, ``放假`` or ``上班`` in it; the year
  is the one the admin is entering unless a date names its own.

Dates: ``2027-01-01``, ``2027/1/1``, ``2027年1月1日``, ``1月1日``, ``12日`` (month of
the date before); ranges with ``至``, ``到``, ``~`` or ``—``; lists with ``、``. A range
ending in an earlier month runs into the next year (``12月31日至1月2日``).
Nothing is guessed: a line with days but no ``休``/``班`` word, a day given twice with
different meanings, or a date that does not exist is an error naming its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

MAX_RANGE_DAYS = 31
MAX_LINES = 200

_PARENS = re.compile(r"[（(][^）)]*[）)]")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?:(?P<m>\d{1,2})\s*[-/.月]\s*)?(?P<d>\d{1,2})\s*日?"
)
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|–|－)\s*")
_HOLIDAY_WORDS = ("放假", "休息", "休", "假")
_WORK_WORDS = ("调休上班", "补班", "上班", "班")
_NAME = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]\s*)?(?P<name>[^：:]{1,12})[：:]")
_A_DAY = re.compile(r"\d{1,2}\s*月\s*\d{1,2}|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}")
_ORDINAL = re.compile(r"^[一二三四五六七八九十\d]+[、.．]\s*")


@dataclass(frozen=True)
class NoticeDay:
    day: date
    is_workday: bool
    name: str
    line: int


@dataclass(frozen=True)
class NoticeError:
    line: int
    text: str
    message: str


@dataclass
class Notice:
    days: list[NoticeDay] = field(default_factory=list)
    errors: list[NoticeError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.days)


class _LineError(ValueError):
    pass


def parse_notice(text: str, year: int) -> Notice:
    """The days a pasted schedule names, in date order, or the errors of its lines."""
    notice = Notice()
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        notice.errors.append(NoticeError(0, "", f"一次最多录入 {MAX_LINES} 行"))
        return notice
    seen: dict[date, NoticeDay] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or _is_heading(line):
            continue
        try:
            found = _parse_line(line, year, number)
        except _LineError as exc:
            notice.errors.append(NoticeError(number, line, str(exc)))
            continue
        for entry in found:
            before = seen.get(entry.day)
            if before is not None and before.is_workday != entry.is_workday:
                message = f"{entry.day.isoformat()} 在第 {before.line} 行和本行的安排相矛盾"
                notice.errors.append(NoticeError(number, line, message))
                continue
            if before is None or entry.name:
                seen[entry.day] = entry
    notice.days = sorted(seen.values(), key=lambda d: d.day)
    return notice


def _is_heading(line: str) -> bool:
    """A line of the notice that names no day (its title, salutation, closing words)."""
    return _A_DAY.search(_PARENS.sub("", line)) is None


def _parse_line(line: str, year: int, number: int) -> list[NoticeDay]:
    text = _PARENS.sub("", line)
    name = ""
    match = _NAME.match(text)
    if match and not re.search(r"\d", match.group("name")):
        name = match.group("name").strip()
        text = text[match.end() :]
    text = _ORDINAL.sub("", text)
    out: list[NoticeDay] = []
    for sentence in re.split(r"[。；;]", text):
        if not sentence.strip():
            continue
        kind = _kind(sentence)
        days = _days(sentence, year)
        if not days:
            continue
        if kind is None:
            raise _LineError("请注明是放假（休）还是上班（班）")
        label = name or _trailing_name(sentence)
        if kind:
            label = f"{label}调休上班" if label else "调休上班"
        out += [NoticeDay(d, kind, label, number) for d in days]
    if not out:
        raise _LineError("没有找到日期")
    return out


def _kind(sentence: str) -> bool | None:
    """True: working day (上班); False: holiday (放假); None: the sentence does not say."""
    work = any(w in sentence for w in _WORK_WORDS)
    rest_text = sentence.replace("放假调休", "放假")
    for w in _WORK_WORDS:
        rest_text = rest_text.replace(w, "")
    rest = any(w in rest_text for w in _HOLIDAY_WORDS)
    if work != rest:
        return work
    return None


def _trailing_name(sentence: str) -> str:
    words = re.sub(r"[\d\s\-/.~～—–－年月日至到、，,]", " ", sentence).split()
    words = [w for w in words if not any(k in w for k in ("休", "假", "班", "共", "天"))]
    return words[0][:20] if words else ""


def _days(sentence: str, year: int) -> list[date]:
    """The days a sentence names: single days, lists and ranges."""
    tokens: list[tuple[int, int, date, bool]] = []  # (start, end, day, year given)
    current_year, current_month = year, None
    for m in _DATE.finditer(sentence):
        if m.group("m") is None and m.group("y") is None and not m.group(0).endswith("日"):
            continue  # a bare number (共7天) is not a day
        y = int(m.group("y")) if m.group("y") else current_year
        month = int(m.group("m")) if m.group("m") else current_month
        if month is None:
            continue
        try:
            day = date(y, month, int(m.group("d")))
        except ValueError:
            raise _LineError(f"日期不存在：{m.group(0).strip()}") from None
        current_year, current_month = y, month
        tokens.append((m.start(), m.end(), day, m.group("y") is not None))
    days: list[date] = []
    i = 0
    while i < len(tokens):
        _, end, day, _ = tokens[i]
        if i + 1 < len(tokens) and _RANGE.fullmatch(sentence[end : tokens[i + 1][0]]):
            _, _, last, year_given = tokens[i + 1]
            if last < day and not year_given and last.month < day.month:
                last = last.replace(year=last.year + 1)  # 12月31日至1月2日
            if last < day or (last - day).days >= MAX_RANGE_DAYS:
                raise _LineError(f"日期范围不正确：{day.isoformat()} 至 {last.isoformat()}")
            days += [day + timedelta(n) for n in range((last - day).days + 1)]
            i += 2
            continue
        days.append(day)
        i += 1
    return days
