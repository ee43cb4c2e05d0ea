"""Request and response schemas (pydantic), apart from the tables."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TicketTypeName = Literal["consult", "help", "complaint", "report", "suggestion", "praise"]
UrgencyName = Literal["normal", "urgent"]
ChannelName = Literal["phone", "web", "wechat", "city", "api"]

_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Drop control characters (keep newlines and tabs) and surrounding space."""
    return _CONTROL.sub("", value).strip()


class TicketCreate(BaseModel):
    """Intake (受理) of a call or a message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: str = Field(min_length=1, max_length=5000, description="诉求内容")
    address: str | None = Field(None, max_length=300, description="事发地址")
    caller_name: str | None = Field(None, max_length=64, description="诉求人姓名")
    caller_phone: str | None = Field(None, max_length=20, description="联系电话")
    type: TicketTypeName = Field("consult", description="诉求类型")
    urgency: UrgencyName = Field("normal", description="紧急程度")
    channel: ChannelName = Field("phone", description="来源渠道")
    category: str | None = Field(None, max_length=300, description="事项分类 level1/level2/level3")
    title: str | None = Field(
        None, max_length=100, description="诉求标题 (suggested from the content when empty)"
    )
    confidential: bool = Field(
        False, description="是否保密: the caller's name and phone hidden from units and exports"
    )
    needs_reply: bool = Field(True, description="是否需回复: the caller wants an answer")
    answer: str | None = Field(
        None, max_length=5000, description="直接办结的答复 (consultations answered on the spot)"
    )
    manual_dispatch: bool = Field(
        False, description="转人工派单: the machine only suggests, a dispatcher dispatches"
    )

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("诉求内容不能为空")
        return value

    @field_validator("address", "caller_name", "category", "answer", "title")
    @classmethod
    def _optional_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return clean_text(value) or None

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _PHONE.match(value):
            raise ValueError("联系电话格式不正确")
        return value.strip()


class TicketImport(TicketCreate):
    """A historical ticket from an import file: it carries its own intake time."""

    created_at: datetime | None = Field(None, description="受理时间")
    source_number: str | None = Field(
        None, max_length=64, description="原工单号 (the number in the system it comes from)"
    )


class ActionIn(BaseModel):
    """An action on a ticket: ``{"action": "dispatch", "unit": "jingtai"}`` and so on."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal[
        "close_at_intake",
        "dispatch",
        "sign",
        "request_return",
        "approve_return",
        "reject_return",
        "request_extension",
        "approve_extension",
        "reject_extension",
        "reply",
        "approve_reply",
        "reject_reply",
        "callback",
        "reopen",
        "urge",
        "merge",
        "close",
        "return_to_city",
        "progress",
        "co_sign",
        "co_reply",
    ]
    unit: str | None = Field(None, max_length=40)
    reason: str | None = Field(None, max_length=2000)
    content: str | None = Field(None, max_length=5000)
    answer: str | None = Field(None, max_length=5000)
    days: int | None = Field(None, ge=1, le=10)
    satisfaction: Literal["satisfied", "basic", "unsatisfied"] | None = None
    resolved: bool | None = None
    reached: bool = True
    into: int | None = Field(None, ge=1, le=2**31 - 1)
    objection: Literal["not_ours", "not_our_area", "needs_several", "other"] | None = Field(
        None, description="派单异议的类型 (request_return)"
    )
    suggested_unit: str | None = Field(
        None, max_length=40, description="异议单位认为应承办的单位 (request_return)"
    )
    note: str | None = Field(None, max_length=2000, description="回访记录 (callback)")
    co_units: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        None,
        max_length=5,
        description="协办单位 (dispatch, approve_return): the co-handling units' codes",
    )

    def data(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.model_dump(exclude={"action"}).items()
            if v is not None and not (k == "reached" and v is True)
        }


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
