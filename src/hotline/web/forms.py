"""Console forms → the API's request schemas (same validation, Chinese messages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from hotline.domain.errors import Invalid
from hotline.schemas import ActionIn, TicketCreate

FIELD_LABELS = {
    "content": "诉求内容",
    "address": "事发地址",
    "caller_name": "诉求人",
    "caller_phone": "联系电话",
    "type": "诉求类型",
    "urgency": "紧急程度",
    "channel": "来源",
    "category": "事项分类",
    "title": "诉求标题",
    "action": "操作",
    "unit": "承办单位",
    "reason": "理由",
    "answer": "答复内容",
    "days": "延期天数",
    "satisfaction": "满意度",
    "resolved": "是否解决",
    "reached": "是否联系上",
    "into": "主工单",
    "co_units": "协办单位",
    "objection": "异议类型",
    "note": "回访记录",
}
_REASONS = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "string_too_long": "内容过长",
    "literal_error": "取值无效",
    "int_parsing": "须为整数",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "bool_parsing": "取值无效",
    "extra_forbidden": "不允许的字段",
}
INTAKE_FIELDS = (
    "content",
    "address",
    "caller_name",
    "caller_phone",
    "type",
    "urgency",
    "channel",
    "answer",
    "category",
    "title",
)
ACTION_FIELDS = (
    "action",
    "unit",
    "reason",
    "content",
    "answer",
    "days",
    "satisfaction",
    "into",
    "objection",
    "suggested_unit",
    "note",
)


def _message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:4]:
        name = str(error.get("loc", ("",))[0])
        kind = str(error.get("type", ""))
        if kind == "value_error":
            reason = str(error.get("msg", "")).removeprefix("Value error, ")
        else:
            reason = _REASONS.get(kind, "填写有误")
        parts.append(f"「{FIELD_LABELS.get(name, name)}」{reason}")
    return "；".join(parts)


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("request.invalid", _message(exc)) from exc


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def ticket_create(form: Mapping[str, Any]) -> TicketCreate:
    """The intake form as a :class:`TicketCreate` (raises Invalid with Chinese text)."""
    data: dict[str, Any] = {name: _text(form, name) for name in INTAKE_FIELDS}
    data["manual_dispatch"] = bool(form.get("manual_dispatch"))
    data["confidential"] = bool(form.get("confidential"))
    data["needs_reply"] = form.get("needs_reply", "1") != "0"
    if data["content"] is None:
        raise Invalid("request.invalid", "「诉求内容」必须填写")
    return _parse(TicketCreate, {k: v for k, v in data.items() if v is not None})  # type: ignore[no-any-return]


def action_in(form: Mapping[str, Any]) -> ActionIn:
    """An action form as the API's :class:`ActionIn`."""
    data: dict[str, Any] = {}
    for name in ACTION_FIELDS:
        value = _text(form, name)
        if value is not None:
            data[name] = value
    resolved = _text(form, "resolved")
    if resolved in ("true", "false"):
        data["resolved"] = resolved == "true"
    co_units = form.get("co_units")
    if isinstance(co_units, list | tuple):
        picked = [u.strip() for u in co_units if isinstance(u, str) and u.strip()]
        if picked:
            data["co_units"] = list(dict.fromkeys(picked))
    if _text(form, "reached") == "false":
        data["reached"] = False
        data.pop("satisfaction", None)
        data.pop("resolved", None)
    return _parse(ActionIn, data)  # type: ignore[no-any-return]
