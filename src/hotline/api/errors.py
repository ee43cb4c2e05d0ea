"""Every error is JSON ``{"code", "message"}`` with a Chinese message and a stable code.

A :class:`~hotline.domain.errors.DomainError`'s HTTP status is its class's
(``NotFound`` 404, ``Forbidden`` 403, ``Unauthorized`` 401, ``Throttled`` 429,
``Invalid`` 422, ``Conflict`` 409; a plain ``DomainError`` 400), never read from its code.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.domain.errors import DomainError

log = logging.getLogger(__name__)


def status_of(error: DomainError) -> int:
    """The HTTP status of a refusal: its class's (400 for a plain ``DomainError``)."""
    return error.status


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


_HTTP_CODES = {
    401: ("auth.required", "请先登录"),
    403: ("auth.forbidden", "无权访问"),
    404: ("not_found", "资源不存在"),
    405: ("request.method_not_allowed", "请求方法不允许"),
    413: ("request.too_large", "请求内容过大"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        details = {k: v for k, v in exc.details.items() if isinstance(v, str | int | float)}
        retry = details.get("retry_after")
        return JSONResponse(
            error_body(exc.code, exc.message, **details),
            status_code=status_of(exc),
            headers={"Retry-After": str(retry)} if retry is not None else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                error_body("request.malformed_json", "请求体不是合法的 JSON"), status_code=422
            )
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "reason": _reason(e)}
            for e in errors
        ]
        message = "；".join(f"{f['field']}: {f['reason']}" for f in fields[:5])
        return JSONResponse(
            error_body("request.invalid", f"请求参数有误：{message}", errors=fields),
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # a value the database cannot hold (an id beyond its integer, a NUL in text) that
        # validation let through: the request's fault, not the server's; logged to be fixed
        log.warning("value refused by the database on %s: %s", request.url.path, exc)
        return JSONResponse(
            error_body("request.out_of_range", "请求中的数值超出允许范围或格式不受支持"),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # bad UTF-8, or JSON nested too deep for the parser: same answer as bad JSON
            return JSONResponse(
                error_body("request.malformed_json", "请求体不是合法的 JSON（须为 UTF-8 编码）"),
                status_code=422,
            )
        code, message = _HTTP_CODES.get(exc.status_code, ("http.error", str(exc.detail)))
        if isinstance(exc.detail, dict) and "code" in exc.detail:
            code, message = exc.detail["code"], exc.detail["message"]
        return JSONResponse(
            error_body(code, message),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


_REASONS = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "须为整数",
    "bool_parsing": "须为 true 或 false",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def _reason(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _REASONS.get(kind, str(error.get("msg", "无效")))
