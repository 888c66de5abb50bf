"""The web application: studio pages, the JSON API, and the pages stages add."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from culturebridge import __version__
from culturebridge.errors import Error
from culturebridge.platform import Platform
from culturebridge.web import api, pages
from culturebridge.web.auth import ANON_CSRF_COOKIE
from culturebridge.web.errors import handle_error
from culturebridge.web.panels import stage_routers

# Room for multipart framing around the largest accepted file.
MULTIPART_SLACK = 1 << 20


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
    templates = Jinja2Templates(directory=str(resources.files("culturebridge.web") / "templates"))
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(resources.files("culturebridge.web") / "static")), name="static")
    app.add_exception_handler(Error, handle_error)
    app.add_middleware(_Guard, max_body=platform.settings.max_upload_bytes + MULTIPART_SLACK)
    app.include_router(pages.router)
    app.include_router(api.router)
    for router in stage_routers():
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    feed = getattr(app.state, "feed", None)  # the audience feed's served-slot log, if it ran
    if feed is not None:
        feed.flush_served()


class _Guard(BaseHTTPMiddleware):
    """Refuse oversized bodies before they are read; set security headers and the anon CSRF cookie."""

    def __init__(self, app: Any, max_body: int) -> None:
        super().__init__(app)
        self.max_body = max_body

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return JSONResponse(
                {"error": "FileTooLarge", "message": f"request body is larger than {self.max_body:,} bytes"},
                status_code=413,
            )
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'",
        )
        if ANON_CSRF_COOKIE not in request.cookies:
            caller = getattr(request.state, "caller", None)
            token = getattr(caller, "csrf_token", None)
            if token and getattr(caller, "user", None) is None:
                response.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="strict")
        return response
