"""The web application: studio pages, the JSON API, and the pages stages add."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from culturebridge import __version__
from culturebridge.errors import Error
from culturebridge.platform import Platform
from culturebridge.storage.ratelimit import SharedRateLimiter
from culturebridge.web import (
    account_log,
    accounts_api,
    activity,
    api,
    home,
    pages,
    studio,
    tokens,
    users,
)
from culturebridge.web.auth import ANON_CSRF_COOKIE, RecordTokenUse
from culturebridge.web.bodylimit import BodyLimits, limit_body
from culturebridge.web.clients import is_https
from culturebridge.web.contract import handle_http, handle_validation
from culturebridge.web.errors import handle_error
from culturebridge.web.stages import stage_routers


def create_app(platform: Platform) -> FastAPI:
    """Build the ASGI app around an opened platform."""
    app = FastAPI(
        title="culturebridge",
        version=__version__,
        docs_url=None,  # FastAPI's Swagger page loads scripts from a CDN; ours is served locally
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan,
    )
    app.state.platform = platform
    app.state.rate_limiter = SharedRateLimiter(platform.db)
    from culturebridge.pipeline import EVENT_HOOKS

    for hook in EVENT_HOOKS:  # e.g. insight rolls up every event the live feed stores, in its transaction
        hook()
    templates = Jinja2Templates(directory=str(resources.files("culturebridge.web") / "templates"))
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(resources.files("culturebridge.web") / "static")), name="static")
    app.add_exception_handler(Error, handle_error)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    app.add_middleware(RecordTokenUse, platform=platform)
    app.add_middleware(_Guard, limits=BodyLimits.from_settings(platform.settings))
    app.include_router(home.router)  # before api: /api/v1/jobs/running is not a job id
    app.include_router(studio.router)
    app.include_router(activity.router)
    app.include_router(activity.api_router)
    app.include_router(pages.router)
    app.include_router(api.router)
    for accounts_router in (users.router, tokens.router, account_log.router, accounts_api.router):
        app.include_router(accounts_router)
    for router in stage_routers():
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    feed = getattr(app.state, "feed", None)  # the audience feed's served-slot log, if it ran
    if feed is not None:
        feed.flush_served()


SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy",
     ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
      "script-src 'self'; frame-ancestors 'none'")),
)


class _Guard:
    """Limit each route's body as it streams (see `bodylimit`); set security headers and the anon CSRF cookie.

    A plain ASGI middleware (Starlette's `BaseHTTPMiddleware` costs 1-2 ms a request): it
    edits the response's start message on its way out, after the endpoint ran.
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # what `request.state` reads and writes

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
                cookie = _anon_csrf_cookie(scope, state)
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        limit = self.limits.for_request(scope["method"], scope["path"])
        await limit_body(self.app, limit, scope, receive, send_with_headers)


def _anon_csrf_cookie(scope: Scope, state: dict[str, Any]) -> str | None:
    """The Set-Cookie value giving an anonymous visitor their CSRF token, when they lack one."""
    if ANON_CSRF_COOKIE in Request(scope).cookies:
        return None
    caller = state.get("caller")
    token = getattr(caller, "csrf_token", None)
    if not token or getattr(caller, "user", None) is not None:
        return None
    carrier = Response()
    carrier.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=is_https(Request(scope)))
    return carrier.headers["set-cookie"]
