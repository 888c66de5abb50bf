"""The JSON API's contract: one error body for every error, and the error statuses routes document.

Every `/api/v1` error answers with `ErrorBody` (see `web.errors`): culturebridge errors, request
validation (FastAPI's own 422, re-shaped here) and routing errors (an unknown path under the
API) alike, so a client parses one shape. A route lists the statuses it really answers with
`errors(...)`, which also documents the headers those answers carry: `Retry-After` on 429 and
503 (RFC 9110 §10.2.3) and `WWW-Authenticate` on 401 (RFC 9110 §11.6.1, RFC 6750 §3).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from culturebridge.errors import InvalidInput


class ErrorBody(BaseModel):
    """What every API error answers with."""

    error: str = Field(description="the error's name, e.g. WorkNotFound, InvalidInput, RateLimited")
    message: str = Field(description="what went wrong, in one sentence")
    hint: str | None = Field(default=None, description="what to do about it, when there is advice")
    check: str | None = Field(default=None, description="the verification check that failed (422 from /verify)")
    detail: list[dict[str, Any]] | None = Field(
        default=None, description="request validation: each field that failed, with its location and reason"
    )


_DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed",
    401: "No valid session or bearer token",
    403: "The caller may not do this (role, ownership, or a missing CSRF token with a session cookie)",
    404: "Not found, or not visible to the caller (the same answer, so ids are not confirmed)",
    409: "The request conflicts with the current state",
    413: "The request body is larger than this route's limit",
    422: "The request is invalid (parameters, body or content)",
    429: "Too many requests from this client or viewer",
    502: "An external service (generation endpoint, timestamp authority, engine) failed",
    503: "The platform is busy (the write lock); retry after the Retry-After seconds",
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string"}}}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "the scheme to authenticate with (Bearer)", "schema": {"type": "string"}}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of the error statuses a route answers, each with `ErrorBody`."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        out[status] = entry
    return out


# The usual sets. Every route taking parameters answers 422; every authenticated route 401.
READ = errors(401, 404, 422)  # an authenticated read of one thing by id
LIST = errors(401, 422)  # an authenticated list
WRITE = errors(401, 403, 404, 409, 422, 503)  # an authenticated change (CSRF, ownership, write lock)
BODY = errors(400, 413, 422)  # a route reading a body: malformed bytes, too large, invalid
STAFF = errors(401, 403, 422)  # an authenticated read for some roles only


def merged(*parts: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Several `responses=` dicts as one."""
    out: dict[int | str, dict[str, Any]] = {}
    for part in parts:
        out.update(part)
    return out


def wants_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/log/"))


async def handle_validation(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation, answered with the project's error body (and its `detail` list)."""
    assert isinstance(exc, RequestValidationError)
    details = jsonable_encoder(exc.errors(), custom_encoder={bytes: lambda b: b.decode("utf-8", "replace")})
    first = details[0] if details else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))
    body = {"error": InvalidInput.__name__, "message": message, "detail": details}
    return JSONResponse(body, status_code=422)


async def handle_http(request: Request, exc: Exception) -> Response:
    """Routing errors (no such path, method not allowed): the error body under the API, Starlette's text elsewhere."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if not wants_api(request):
        return await http_exception_handler(request, exc)
    name = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
    return JSONResponse({"error": name, "message": str(exc.detail)}, status_code=exc.status_code, headers=headers)
