"""Open311's two formats: JSON, and XML built with ``xml.etree`` (never by hand).

The XML follows the spec's shapes: a list is an element named for the list holding one
element per item (``<services><service>…``, ``<attributes><attribute>…``,
``<formats><format>text/xml</format>…``); ``true``/``false`` for booleans, an empty
element for a missing value. The JSON is the same data (the spec's Spark convention):
top-level arrays for services, requests, tokens and errors.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.responses import Response

from hotline.domain.errors import DomainError

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
#: The element of each item of a list, by the list's name.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: Characters XML 1.0 cannot carry (some control characters, lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class UnknownFormat(Exception):
    """A resource asked for in a format other than json or xml."""


def check_format(fmt: str) -> str:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    return fmt


def render(data: Any, fmt: str, root: str, status_code: int = 200) -> Response:
    """``data`` (a list of items under ``root``, or a dict that is ``root``) in ``fmt``."""
    if fmt == "xml":
        return Response(to_xml(data, root), status_code=status_code, media_type=XML_TYPE)
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status_code, media_type=JSON_TYPE)


def to_xml(data: Any, root: str) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    return _XML_DECLARATION + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        item_name = ITEMS.get(name, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def error_response(error: DomainError, fmt: str) -> Response:
    """A refusal in the spec's error format, with its HTTP status."""
    status = int(getattr(error, "status", 400))
    if status not in (400, 403, 404, 429):
        status = 400
    body = [{"code": status, "description": error.message}]
    return render(body, fmt, "errors", status_code=status)
