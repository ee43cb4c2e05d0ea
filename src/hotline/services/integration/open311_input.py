"""What an Open311 client may send, checked field by field before anything is written.

Every refusal is an :class:`Open311Error` carrying the HTTP status the GeoReport v2
spec asks for (403 for the API key, 404 for what does not exist, 400 for the rest,
429 past a client's rate) and a message for people, in Chinese with the English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from hotline.clock import to_local
from hotline.domain.errors import DomainError
from hotline.domain.tickets import TicketType

#: Longest value of each field a POST may carry (the spec's 4,000 for ``description``;
#: the ticket's columns for the rest). ``api_key`` is checked first, by the keys.
POST_LIMITS: dict[str, int] = {
    "jurisdiction_id": 100,
    "service_code": 16,
    "description": 4000,
    "address_string": 300,
    "address_id": 64,
    "lat": 32,
    "long": 32,
    "email": 254,
    "device_id": 64,
    "account_id": 64,
    "first_name": 32,
    "last_name": 32,
    "phone": 20,
    "media_url": 1000,
}
#: The span a GET of many requests may cover, and how many it answers at most.
MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_LISTED_IDS = 100
DEFAULT_TYPE = TicketType.HELP.value
ATTRIBUTE_CODES = frozenset({"type"})

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TZ_SPACE = re.compile(r"T(.*) (\d{2}:?\d{2})$")


class Open311Error(DomainError):
    """A request refused, with the HTTP status the GeoReport v2 spec gives it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message)
        self.status = status


def bad(code: str, message: str) -> Open311Error:
    return Open311Error(400, f"open311.{code}", message)


@dataclass(frozen=True)
class RequestIn:
    """A POSTed service request, every field checked."""

    service_code: str
    description: str
    address_string: str | None
    lat: float | None
    lon: float | None
    email: str | None
    account_id: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    media_url: str | None
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.attributes.get("type", [DEFAULT_TYPE])[0]

    @property
    def caller_name(self) -> str | None:
        """家族名在前: ``last_name`` then ``first_name`` (张 + 三 → 张三)."""
        name = "".join(part for part in (self.last_name, self.first_name) if part)
        return name or None


def api_key_of(items: Iterable[tuple[str, object]]) -> str | None:
    """The first ``api_key`` of the form (checked before anything else: a client with a
    wrong key learns nothing more than 403)."""
    key = next((value for name, value in items if name == "api_key"), None)
    return key.strip() if isinstance(key, str) else None


def parse_post(items: Iterable[tuple[str, object]]) -> RequestIn:
    """The POST's form fields (``application/x-www-form-urlencoded``) as a :class:`RequestIn`."""
    values: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in items:
        if not isinstance(value, str):
            raise bad("upload", f"{name}: 不接受文件上传，请以 media_url 提供图片链接 (no uploads)")
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).append(_text(name, value, 64) or "")
        elif name in POST_LIMITS and name not in values:
            values[name] = value
    fields = {name: _text(name, value, POST_LIMITS[name]) for name, value in values.items()}
    _check_attributes(attributes)
    lat, lon = _coordinates(fields.get("lat"), fields.get("long"))
    service_code = fields.get("service_code")
    if not service_code:
        raise bad("service_code_missing", "缺少 service_code (service_code is required)")
    description = fields.get("description")
    if not description:
        raise bad("description_missing", "缺少诉求内容 description (description is required)")
    if lat is None and not fields.get("address_string"):
        if fields.get("address_id"):
            raise bad(
                "address_id_unsupported",
                "不支持 address_id，请提供 address_string 或 lat/long "
                "(address_id is not supported; send address_string or lat and long)",
            )
        raise bad(
            "location_missing",
            "缺少地点：请提供 address_string 或 lat/long (address_string or lat and long required)",
        )
    return RequestIn(
        service_code=service_code,
        description=description,
        address_string=fields.get("address_string"),
        lat=lat,
        lon=lon,
        email=_email(fields.get("email")),
        account_id=fields.get("account_id"),
        first_name=fields.get("first_name"),
        last_name=fields.get("last_name"),
        phone=fields.get("phone"),
        media_url=_media_url(fields.get("media_url")),
        attributes=attributes,
    )


def _text(name: str, value: str, limit: int) -> str | None:
    value = _CONTROL.sub("", value).strip()
    if len(value) > limit:
        raise bad(
            "too_long", f"{name} 过长，最多 {limit} 个字符 ({name}: at most {limit} characters)"
        )
    return value or None


def _check_attributes(attributes: Mapping[str, list[str]]) -> None:
    for code, chosen in attributes.items():
        if code not in ATTRIBUTE_CODES:
            raise bad("attribute_unknown", f"未知属性 {code} (unknown attribute)")
        if len(chosen) != 1 or chosen[0] not in {t.value for t in TicketType}:
            options = "、".join(t.value for t in TicketType)
            raise bad("attribute_invalid", f"attribute[{code}] 应为以下之一：{options}")


def _coordinates(lat: str | None, lon: str | None) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise bad("coordinates", "lat 与 long 须同时提供 (send both lat and long)")
    try:
        lat_value, lon_value = float(lat), float(lon)
    except ValueError as exc:
        raise bad("coordinates", "lat/long 须为数字 (lat and long must be numbers)") from exc
    if not (math.isfinite(lat_value) and -90 <= lat_value <= 90):
        raise bad("lat_range", "lat 超出范围 -90 至 90 (lat out of range)")
    if not (math.isfinite(lon_value) and -180 <= lon_value <= 180):
        raise bad("long_range", "long 超出范围 -180 至 180 (long out of range)")
    return lat_value, lon_value


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise bad("email", "email 格式不正确 (invalid email)")
    return value


def _media_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise bad("media_url", "media_url 须为 http(s) 链接 (media_url must be an http(s) URL)")
    return value


@dataclass(frozen=True)
class Filters:
    """The filters of GET requests: ids (which override everything else), or codes,
    statuses and a span of at most 90 days; a page of at most 1,000 requests."""

    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def parse_filters(query: Mapping[str, list[str]], now: datetime) -> Filters:
    """The query string of GET requests (``query``: each name's values) as :class:`Filters`."""
    numbers = _listed(query, "service_request_id", _ID)
    page = _integer(query, "page", 1, 1, 100_000)
    page_size = _integer(query, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if numbers:
        return Filters(numbers=numbers, page=page, page_size=page_size)
    statuses = _listed(query, "status", re.compile(r"^(open|closed)$"))
    start, end = _span(_moment(query, "start_date"), _moment(query, "end_date"), now)
    return Filters(
        service_codes=_listed(query, "service_code", re.compile(r"^[0-9a-z]{1,16}$")),
        statuses=statuses,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
    )


def _listed(query: Mapping[str, list[str]], name: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in query.get(name, []):
        found += [part.strip() for part in value.split(",") if part.strip()]
    if len(found) > MAX_LISTED_IDS:
        raise bad("too_many", f"{name} 最多 {MAX_LISTED_IDS} 个 (at most {MAX_LISTED_IDS})")
    for value in found:
        if not pattern.match(value):
            raise bad("invalid", f"{name} 的值 {value[:40]!r} 无效 (invalid {name})")
    return tuple(dict.fromkeys(found))


def _integer(query: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = [v for v in query.get(name, []) if v.strip()]
    if not values:
        return default
    try:
        value = int(values[0])
    except ValueError as exc:
        raise bad("invalid", f"{name} 须为整数 ({name} must be an integer)") from exc
    if not low <= value <= high:
        raise bad("invalid", f"{name} 应在 {low} 到 {high} 之间 ({name}: {low}..{high})")
    return value


def _moment(query: Mapping[str, list[str]], name: str) -> datetime | None:
    """A w3 datetime (``2010-01-01T00:00:00Z``) as the hotline's naive local time; one
    without a zone is taken as local. A ``+`` sent unescaped arrives as a space."""
    values = [v.strip() for v in query.get(name, []) if v.strip()]
    if not values:
        return None
    text = _TZ_SPACE.sub(r"T\1+\2", values[0][:40])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise bad(
            "datetime", f"{name} 须为 w3 时间格式，如 2026-12-01T00:00:00+08:00 (w3 format)"
        ) from exc
    if moment.tzinfo is not None:
        try:
            moment = to_local(moment)
        except OverflowError as exc:
            raise bad("datetime", f"{name} 超出范围 ({name} out of range)") from exc
    return moment


def _span(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    try:
        if start is None and end is None:
            start, end = now - MAX_SPAN, now
        elif start is None:
            assert end is not None
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
    except OverflowError as exc:
        raise bad("datetime", "start_date/end_date 超出范围 (out of range)") from exc
    if end < start:
        raise bad("span", "end_date 早于 start_date (end_date before start_date)")
    if end - start > MAX_SPAN:
        raise bad("span", "start_date 至 end_date 不得超过 90 天 (at most 90 days)")
    return start, end
