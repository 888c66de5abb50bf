"""Who is asking: session cookies for people, bearer tokens for scripts, CSRF for forms.

A cookie-authenticated request that changes state must carry the session's CSRF token (form
field `csrf` or header `X-CSRF-Token`); a bearer-token request needs none, as browsers never
attach it on their own. Anonymous forms (login) use a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from culturebridge.accounts import User, needs_touch, session_user, token_for_secret, touch_token
from culturebridge.errors import AuthenticationRequired, PermissionDenied, Unavailable
from culturebridge.ids import now
from culturebridge.platform import Platform
from culturebridge.web.clients import is_https

SESSION_COOKIE = "cb_session"
ANON_CSRF_COOKIE = "cb_csrf"


@dataclass(frozen=True)
class Caller:
    user: User | None
    csrf_token: str
    via_token: bool = False


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def identify(request: Request) -> Caller:
    """The caller of this request (cached on the request)."""
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    platform = platform_of(request)
    caller = Caller(None, request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(24))
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with platform.db.read() as conn:
            user, token = token_for_secret(conn, header[7:].strip())
        at = now()
        if needs_touch(token, at):  # "last used" is kept to the minute, written after the answer is sent
            request.state.token_used = (token.id, at)
        caller = Caller(user, "", via_token=True)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        with platform.db.read() as conn:
            session = session_user(conn, cookie)
        if session is not None:
            caller = Caller(session.user, session.csrf_token)
    request.state.caller = caller
    return caller


def current_user(request: Request) -> User | None:
    return identify(request).user


def require_user(request: Request) -> User:
    """The logged-in user; AuthenticationRequired for anonymous visitors."""
    user = identify(request).user
    if user is None:
        raise AuthenticationRequired("log in first", hint="the studio is for accounts only")
    return user


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"this needs the role {' or '.join(roles)}; {user.username} is {user.role}")


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing cookie request without the right CSRF token."""
    caller = identify(request)
    if caller.via_token:
        return
    token = submitted or request.headers.get("x-csrf-token") or ""
    expected = caller.csrf_token if caller.user else request.cookies.get(ANON_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(token, expected):
        raise PermissionDenied("the form's CSRF token is missing or stale", hint="reload the page and try again")


def set_session_cookie(response: Response, request: Request, secret: str) -> None:
    """Hand the browser its session cookie (HttpOnly; Secure over HTTPS)."""
    days = platform_of(request).settings.session_days
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", max_age=days * 86400,
                        secure=is_https(request))


class RecordTokenUse:
    """After a bearer request's answer is sent, note when its token was last used.

    Best effort and never on the request's path: a read must answer even while another
    process holds the write lock, so a busy database skips the note (the next use retries).
    """

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {}) if scope["type"] == "http" else {}
        await self.app(scope, receive, send)
        pending = state.get("token_used")
        if pending is not None:
            await anyio.to_thread.run_sync(self._touch, *pending)

    def _touch(self, token_id: str, at: datetime) -> None:
        try:
            with self.platform.db.write() as conn:
                touch_token(conn, token_id, at)
        except Unavailable:
            pass
