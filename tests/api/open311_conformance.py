"""A GeoReport v2 conformance checker, written from the spec (wiki.open311.org/GeoReport_v2)
and its Service Discovery page, independent of the server's code.

``document(response, fmt)`` checks the transport rules (UTF-8, the content types, the
XML declaration) and reads the body into plain Python, whatever the format: an XML
list element (``<services>``, ``<attributes>``…) becomes a list, any other element with
children a dict, a leaf its text (``None`` when empty). The ``check_*`` functions then
check one method's answer against the spec's field tables: required fields present,
nothing outside the table, the strict values (``open``/``closed``, ``realtime``…), w3
datetimes with a zone, coordinates in range. Each returns the problems it found.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

#: XML elements the spec's responses use as lists, with their items' element.
LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
POST_FIELDS = {"service_request_id", "token", "service_notice", "account_id"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
#: Fields every request carries (the table's others "may not be returned" or may be
#: empty, as in the spec's own examples).
REQUIRED_REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "service_name",
    "service_code",
    "requested_datetime",
    "updated_datetime",
}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def document(response: Any, fmt: str) -> Any:
    """The body as plain Python, after the spec's transport rules are checked."""
    content_type = response.headers.get("content-type", "").lower().replace(" ", "")
    raw = response.content
    raw.decode("utf-8")  # UTF-8 everywhere
    if fmt == "json":
        assert content_type.startswith("application/json"), content_type
        return json.loads(raw)
    assert content_type.startswith("text/xml"), content_type
    assert "charset=utf-8" in content_type, content_type
    head = raw[:60].decode("utf-8")
    assert re.match(r"<\?xml version=\"1\.0\" encoding=\"UTF-8\"\?>", head, re.I), head
    root = ET.fromstring(raw)
    assert not root.tag.startswith("{"), "no namespace in GeoReport v2 XML"
    return _value(root)


def _value(element: ET.Element) -> Any:
    children = list(element)
    if element.tag in LISTS:
        item = LISTS[element.tag]
        assert all(c.tag == item for c in children), f"<{element.tag}> holds only <{item}>"
        return [_value(c) for c in children]
    if not children:
        return element.text if element.text not in (None, "") else None
    found: dict[str, Any] = {}
    for child in children:
        assert child.tag not in found, f"<{child.tag}> twice in <{element.tag}>"
        found[child.tag] = _value(child)
    return found


def _boolean(value: Any) -> bool:
    return value in (True, False, "true", "false")


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fields(obj: Any, allowed: set[str], required: set[str], what: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{what} is not an object: {obj!r}"[:200]]
    problems = [f"{what} lacks {name}" for name in sorted(required - set(obj))]
    problems += [f"{what} has a field outside the spec: {name}" for name in set(obj) - allowed]
    return problems


def check_services(doc: Any) -> list[str]:
    if not isinstance(doc, list):
        return ["services: not a list"]
    problems: list[str] = []
    codes = []
    for service in doc:
        problems += _fields(service, SERVICE_FIELDS, SERVICE_FIELDS - {"description"}, "service")
        if not isinstance(service, dict):
            continue
        codes.append(service.get("service_code"))
        if not _boolean(service.get("metadata")):
            problems.append(f"metadata not true/false: {service.get('metadata')!r}")
        if service.get("type") not in ("realtime", "batch", "blackbox"):
            problems.append(f"type not realtime/batch/blackbox: {service.get('type')!r}")
    if len(codes) != len(set(codes)):
        problems.append("service_code not unique")
    return problems


def check_definition(doc: Any, code: str) -> list[str]:
    problems = _fields(doc, {"service_code", "attributes"}, {"service_code"}, "definition")
    if problems:
        return problems
    if str(doc["service_code"]) != code:
        problems.append(f"service_code {doc['service_code']!r} is not the one asked, {code!r}")
    orders = []
    for attribute in doc.get("attributes") or []:
        required = ATTRIBUTE_FIELDS - {"values", "datatype_description"}
        problems += _fields(attribute, ATTRIBUTE_FIELDS, required, "attribute")
        if not isinstance(attribute, dict):
            continue
        if attribute.get("datatype") not in DATATYPES:
            problems.append(f"datatype {attribute.get('datatype')!r}")
        for name in ("variable", "required"):
            if not _boolean(attribute.get(name)):
                problems.append(f"{name} not true/false")
        order = _number(attribute.get("order"))
        if order is None or order < 1 or order != int(order):
            problems.append(f"order not a positive integer: {attribute.get('order')!r}")
        orders.append(order)
        if attribute.get("datatype", "").endswith("valuelist"):
            for value in attribute.get("values") or []:
                problems += _fields(value, {"key", "name"}, {"key", "name"}, "value")
    if len(orders) != len(set(orders)):
        problems.append("attribute order repeated")
    return problems


def check_post(doc: Any) -> list[str]:
    if not isinstance(doc, list) or len(doc) != 1:
        return [f"POST answer not a list of one request: {doc!r}"[:200]]
    answer = doc[0]
    problems = _fields(answer, POST_FIELDS, set(), "POST answer")
    if isinstance(answer, dict) and ("service_request_id" in answer) == ("token" in answer):
        problems.append("exactly one of service_request_id and token must be returned")
    return problems


def check_requests(doc: Any) -> list[str]:
    if not isinstance(doc, list):
        return ["service requests: not a list"]
    problems: list[str] = []
    for request in doc:
        problems += _fields(request, REQUEST_FIELDS, REQUIRED_REQUEST_FIELDS, "request")
        if not isinstance(request, dict):
            continue
        if request.get("status") not in ("open", "closed"):
            problems.append(f"status not open/closed: {request.get('status')!r}")
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            value = request.get(name)
            if value is not None and not W3C.match(str(value)):
                problems.append(f"{name} not a w3 datetime with a zone: {value!r}")
        for name, limit in (("lat", 90), ("long", 180)):
            value = request.get(name)
            if value is not None and not (
                _number(value) is not None and -limit <= float(value) <= limit
            ):
                problems.append(f"{name} out of range: {value!r}")
        description = request.get("description")
        if description is not None and len(str(description)) > 4000:
            problems.append("description over 4,000 characters")
    return problems


def check_token(doc: Any, token: str) -> list[str]:
    if not isinstance(doc, list) or len(doc) != 1:
        return [f"token answer not a list of one: {doc!r}"[:200]]
    fields = {"service_request_id", "token"}
    problems = _fields(doc[0], fields, fields, "token answer")
    if not problems and str(doc[0]["token"]) != token:
        problems.append("token is not the one asked")
    return problems


def check_errors(doc: Any) -> list[str]:
    if not isinstance(doc, list) or not doc:
        return [f"errors: not a non-empty list: {doc!r}"[:200]]
    problems: list[str] = []
    for error in doc:
        problems += _fields(error, {"code", "description"}, {"code", "description"}, "error")
    return problems


def check_discovery(doc: Any) -> list[str]:
    problems = _fields(doc, DISCOVERY_FIELDS, DISCOVERY_FIELDS, "discovery")
    if problems:
        return problems
    for endpoint in doc["endpoints"] or []:
        problems += _fields(endpoint, ENDPOINT_FIELDS, ENDPOINT_FIELDS, "endpoint")
        if isinstance(endpoint, dict):
            if endpoint.get("type") not in ("production", "test"):
                problems.append(f"endpoint type {endpoint.get('type')!r}")
            if not str(endpoint.get("url", "")).endswith("/v2"):
                problems.append("endpoint url")
    return problems
