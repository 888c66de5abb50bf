"""Errors to HTTP: one handler turns every culturebridge `Error` into a status and a message."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from culturebridge.errors import (
    AuthenticationRequired,
    Conflict,
    Error,
    ExternalServiceError,
    FileTooLarge,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    VerificationFailed,
)
from culturebridge.web.render import render


def status_for(exc: Error) -> int:
    for family, status in (
        (FileTooLarge, 413),
        (RateLimited, 429),
        (Unavailable, 503),
        (AuthenticationRequired, 401),
        (PermissionDenied, 403),
        (NotFound, 404),
        (Conflict, 409),
        (InvalidInput, 422),
        (VerificationFailed, 422),
        (ExternalServiceError, 502),
    ):
        if isinstance(exc, family):
            return status
    return 500


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/log/")) and "text/html" in request.headers.get("accept", "")


async def handle_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Error)
    response = _response_for(request, exc)
    if isinstance(exc, Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    if response.status_code == 401:  # RFC 9110 §11.6.1: a 401 names the scheme to use (RFC 6750 §3)
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _response_for(request: Request, exc: Error) -> Response:
    status = status_for(exc)
    if wants_html(request):
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        try:
            return render(request, "error.html", status_code=status, error=exc, message=exc.diagnostic(), status=status)
        except Error:  # the caller's own credentials are what failed: answer without them
            return Response(exc.diagnostic(), status_code=status, media_type="text/plain")
    body: dict[str, object] = {"error": type(exc).__name__, "message": exc.message}
    if exc.hint:
        body["hint"] = exc.hint
    if isinstance(exc, VerificationFailed):
        body["check"] = exc.check
    return JSONResponse(body, status_code=status)
