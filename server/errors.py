"""Errors are values with codes: raised as ApiError, rendered as the contract's error body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import ErrorCode


class ApiError(Exception):
    """A client-caused failure with an HTTP status, a stable code and details for the body."""

    def __init__(self, status: int, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_body(code: ErrorCode | str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": str(code), "message": message, **details}}


_STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.INVALID,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.INVALID,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.NOT_AN_IMAGE,
    429: ErrorCode.TOO_MANY_ATTEMPTS,
}


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    body = error_body(exc.code, exc.message, **exc.details)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(error_body(ErrorCode.MALFORMED_JSON, "body is not valid JSON"), 400)
    fields = [_describe_field_error(e) for e in errors[:20]]
    body = error_body(ErrorCode.INVALID, "; ".join(fields) or "invalid request", fields=fields)
    return JSONResponse(body, status_code=422)


def _describe_field_error(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg"))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID)
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
