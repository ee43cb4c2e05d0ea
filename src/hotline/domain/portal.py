"""The citizen portal (市民端): what a caller may send, what they are shown, how they rate.

Pure rules, no I/O:

- :func:`check_text`, :func:`normalise_phone`: what a caller's text and phone must be
  (every byte is treated as hostile: control and direction characters, markup, length);
- :data:`RATINGS` and :func:`callback_of_rating`: 好差评 in five levels, turned into the
  life cycle's own 回访 (``Action.CALLBACK``): a low rating is an unsatisfied callback and
  the ticket goes to 回访不满意, exactly as after an operator's call;
- :func:`stage_of` and :func:`citizen_entry`: a ticket's status and history told in the
  caller's words, without staff names, reasons or internal steps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.domain.errors import Invalid
from hotline.domain.tickets import SATISFACTION_LABELS, Action, Role, Status

# ------------------------------------------------------------------ what a caller sends

#: C0 and C1 control characters except tab and line breaks, DEL, and the Unicode
#: direction overrides that make text read differently from what it is.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Anything a browser or a downstream system could read as markup or a script.
_MARKUP = re.compile(
    r"<\s*/?\s*[A-Za-z!?][^<>]*>|javascript\s*:|vbscript\s*:|"
    r"\bon(?:error|load|unload|click|dblclick|mouse[a-z]*|pointer[a-z]*|touch[a-z]*|key[a-z]*|"
    r"focus[a-z]*|blur|submit|change|input|toggle|animation[a-z]*|transition[a-z]*|drag[a-z]*|"
    r"drop|paste|copy|cut|scroll|wheel|resize|message|begin|end|show|play[a-z]*|select)\s*=",
    re.IGNORECASE,
)
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


class PortalInputError(Invalid):
    """A field of the citizen's form breaks a rule (422); ``details["field"]`` names it."""


@dataclass(frozen=True)
class TextRule:
    """How long a field of the form may be, and its name on the form."""

    label: str
    min_chars: int
    max_chars: int
    required: bool = True


def check_text(value: str | None, rule: TextRule, field: str) -> str:
    """The field's text, trimmed, with Windows line breaks and invisible joiners removed;
    or :class:`PortalInputError` with a message that says exactly what is wrong."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text).strip()
    if not text:
        if rule.required:
            raise PortalInputError("portal.missing", f"请填写{rule.label}", field=field)
        return ""
    bad = _FORBIDDEN.search(text)
    if bad:
        raise PortalInputError(
            "portal.control_chars",
            f"{rule.label}含有不可见的控制字符（第 {bad.start() + 1} 个字符），请删除后重新填写",
            field=field,
        )
    if _MARKUP.search(text):
        raise PortalInputError(
            "portal.markup",
            f"{rule.label}不能包含网页代码（如 <script>、onerror=），请只填写文字",
            field=field,
        )
    if len(text) < rule.min_chars:
        raise PortalInputError(
            "portal.too_short",
            f"{rule.label}太短：至少 {rule.min_chars} 个字，您填写了 {len(text)} 个字",
            field=field,
        )
    if len(text) > rule.max_chars:
        raise PortalInputError(
            "portal.too_long",
            f"{rule.label}太长：最多 {rule.max_chars} 个字，您填写了 {len(text)} 个字",
            field=field,
        )
    return text


CONTENT = TextRule("诉求内容", 10, 2000)
ADDRESS = TextRule("事发地址", 4, 200)
REASON = TextRule("评价理由", 5, 500)


def normalise_phone(value: str | None, field: str = "phone") -> str:
    """A mainland mobile number as 11 digits (spaces, dashes, full-width digits and a
    leading +86 are accepted), or :class:`PortalInputError`."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        raise PortalInputError("portal.missing", "请填写手机号码，用于接收办理结果", field=field)
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise PortalInputError(
            "portal.bad_phone", "手机号码应为 11 位数字，以 1 开头，如 13812345678", field=field
        )
    return digits


def address_key(address: str) -> str:
    """The address as the per-address limit compares it: width, case, spaces and
    punctuation do not make two addresses different."""
    text = unicodedata.normalize("NFKC", address).casefold()
    return re.sub(r"[\W_]+", "", text)[:200]


# ------------------------------------------------------------------ 好差评


@dataclass(frozen=True)
class Rating:
    """One level of 好差评 and the callback it stands for."""

    value: int
    label: str
    satisfaction: str  # the callback's: satisfied | basic | unsatisfied
    needs_reason: bool


RATINGS: dict[int, Rating] = {
    r.value: r
    for r in (
        Rating(5, "非常满意", "satisfied", False),
        Rating(4, "满意", "satisfied", False),
        Rating(3, "基本满意", "basic", False),
        Rating(2, "不满意", "unsatisfied", True),
        Rating(1, "非常不满意", "unsatisfied", True),
    )
}


def callback_of_rating(rating: object, resolved: object, reason: str | None) -> dict[str, Any]:
    """The data of the 回访 a rating makes (the life cycle checks it like any callback):
    its satisfaction, whether the matter was solved, the caller's reason and the five-level
    rating itself. A rating of 不满意 or 非常不满意 needs a reason."""
    level = RATINGS.get(rating) if isinstance(rating, int) else None
    if level is None:
        raise PortalInputError(
            "portal.missing", "请选择满意程度（非常满意至非常不满意）", field="rating"
        )
    if not isinstance(resolved, bool):
        raise PortalInputError("portal.missing", "请选择问题是否已经解决", field="resolved")
    text = check_text(
        reason, TextRule(REASON.label, REASON.min_chars, REASON.max_chars, False), "reason"
    )
    if level.needs_reason and not text:
        raise PortalInputError(
            "portal.missing_reason",
            f"选择“{level.label}”时请写明理由（至少 {REASON.min_chars} 个字），以便重新办理",
            field="reason",
        )
    data: dict[str, Any] = {
        "satisfaction": level.satisfaction,
        "resolved": resolved,
        "rating": level.value,
        "rating_label": level.label,
        "channel": "portal",
    }
    if text:
        data["reason"] = text
    return data


# ------------------------------------------------------------------ what the caller sees


@dataclass(frozen=True)
class Stage:
    """Where a ticket is, in the caller's words: one of four steps, and a sentence."""

    step: int  # 1 受理 · 2 办理 · 3 答复 · 4 办结
    label: str
    note: str


STEPS = ("已受理", "办理中", "已答复", "已办结")

_STAGES: dict[Status, Stage] = {
    Status.AWAITING_DISPATCH: Stage(1, "已受理", "热线已收到您的诉求，正在确定承办单位。"),
    Status.DISPATCHED: Stage(2, "已转办", "已转交承办单位，等待签收办理。"),
    Status.RETURN_REQUESTED: Stage(2, "办理中", "热线正在核实承办单位，请耐心等待。"),
    Status.HANDLING: Stage(2, "办理中", "承办单位正在办理。"),
    Status.EXTENSION_REQUESTED: Stage(2, "办理中", "承办单位正在办理。"),
    Status.REPLIED: Stage(2, "办理中", "承办单位已提交办理结果，热线正在审核。"),
    Status.AWAITING_CALLBACK: Stage(3, "已答复", "办理结果已答复，请对办理情况作出评价。"),
    Status.UNSATISFIED: Stage(3, "复核中", "您的评价已转热线复核，将决定是否重新办理。"),
    Status.CLOSED: Stage(4, "已办结", "诉求已办结，感谢您的监督。"),
    Status.MERGED: Stage(4, "合并办理", "同一事件已有其他市民反映，与之合并办理。"),
    Status.RETURNED_TO_CITY: Stage(4, "已转市平台", "该诉求不属本区办理，已转回广州市12345平台。"),
}


def stage_of(status: Status | str) -> Stage:
    return _STAGES[Status(status)]


def rating_open(status: Status | str) -> bool:
    """The caller may rate the reply now (the ticket waits for its 回访)."""
    return Status(status) == Status.AWAITING_CALLBACK


@dataclass(frozen=True)
class CitizenEntry:
    """One line of the caller's timeline."""

    title: str
    text: str = ""
    tone: str = "info"  # info | done | warn


def citizen_entry(
    action: str, data: Mapping[str, Any], actor_role: str, unit_name: str | None
) -> CitizenEntry | None:
    """A history entry as the caller reads it, or None for a step only staff see (a
    return request, a review, a look at the caller's details). Reasons, notes and names
    of staff never appear; the unit's reply does, once the hotline approved it (the
    caller's timeline shows it at ``approve_reply``, see ``services/portal``)."""
    unit = unit_name or "承办单位"
    act = Action(action) if action in Action._value2member_map_ else None
    if act == Action.DISPATCH:
        return CitizenEntry("已转办", f"已转交{unit}办理。")
    if act == Action.APPROVE_RETURN:
        if data.get("unit"):
            return CitizenEntry("已转办", f"已改由{unit}办理。")
        return CitizenEntry("重新派单", "正在重新确定承办单位。")
    if act == Action.SIGN:
        return CitizenEntry("已签收", f"{unit}已签收，开始办理。")
    if act == Action.APPROVE_EXTENSION:
        due = str(data.get("reply_due") or "")[:10]
        return CitizenEntry("延期办理", f"经热线同意，办理期限延长至 {due}。" if due else "")
    if act == Action.APPROVE_REPLY:
        return CitizenEntry("已答复", f"{unit}已答复办理结果。", "done")
    if act == Action.CLOSE_AT_INTAKE:
        return CitizenEntry("已答复", "热线已直接答复。", "done")
    if act == Action.CALLBACK:
        return _callback_entry(data, actor_role)
    if act == Action.REOPEN:
        return CitizenEntry("重新办理", f"热线已要求{unit}重新办理。", "warn")
    if act == Action.CLOSE:
        return CitizenEntry("已办结", "热线复核后办结。", "done")
    if act == Action.URGE:
        return CitizenEntry("督办", f"热线已督促{unit}加快办理。", "warn")
    if act == Action.MERGE:
        return CitizenEntry("合并办理", "与反映同一事件的诉求合并办理。")
    if act == Action.ATTACH and actor_role == Role.CITIZEN:
        count = len(data.get("attachments") or [])
        return CitizenEntry("补充材料", f"您上传了 {count} 张照片。")
    if act == Action.RETURN_TO_CITY:
        return CitizenEntry("已转市平台", "不属本区办理，已转回广州市12345平台。")
    return None


def _callback_entry(data: Mapping[str, Any], actor_role: str) -> CitizenEntry:
    if data.get("reached", True) is False:
        return CitizenEntry("回访", "热线回访时未能联系上您。")
    level = RATINGS.get(data["rating"]) if isinstance(data.get("rating"), int) else None
    solved = "问题已解决" if data.get("resolved") else "问题未解决"
    if actor_role == Role.CITIZEN and level is not None:
        tone = "warn" if level.needs_reason else "done"
        return CitizenEntry("您的评价", f"{level.label}，{solved}。", tone)
    said = SATISFACTION_LABELS.get(str(data.get("satisfaction")), "")
    tone = "warn" if data.get("satisfaction") == "unsatisfied" else "done"
    return CitizenEntry("电话回访", f"回访结果：{said}，{solved}。", tone)
