"""The audience feed on the web: the feed page, media, events and feed JSON, and the publish panel.

The feed page is for anonymous viewers (an id cookie, no account); its buttons POST events
with the page's CSRF token from a small same-origin script. Only files of published works
are served to the audience. The `LiveFeed` lives on the app's state, created on first use.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import InvalidFeedRequest, NotFound, PermissionDenied
from culturebridge.web.auth import (
    SESSION_COOKIE,
    check_csrf,
    platform_of,
    require_role,
    require_user,
)
from culturebridge.web.clients import is_https, limit_client, rate_limit
from culturebridge.web.contract import STAFF, errors, merged
from culturebridge.web.media import media_response
from culturebridge.web.panels import Panel
from culturebridge.web.render import render
from culturebridge.web.viewers import VIEWER_COOKIE, proven_viewer, viewer_token

if TYPE_CHECKING:
    from culturebridge.feed.live import LiveFeed, ServedSlot
    from culturebridge.storage.ratelimit import SharedRateLimiter

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["feed"])

PAGE_SIZE = 10
MAX_EVENT_BODY = 64 * 1024  # also the streaming limit of this route (web.bodylimit)
_create_lock = threading.Lock()
_T = TypeVar("_T")


async def _serve(request: Request, work: Callable[[], _T], needs_database: bool) -> _T:
    """Answer on the event loop when the answer needs nothing but memory; otherwise on the live
    feed's serving threads (one per CPU), never the shared pool.

    A feed answer is about 2 ms of CPU under the GIL. Handed to a thread, it cost a thread
    switch and a GIL hand-over each way, and at 32 concurrent clients the event loop and the
    serving threads queued for the GIL behind each other: CPU per answer rose by a third from
    1 to 32 clients. On the loop it does not. An answer goes to a thread whenever it may wait
    on the database: the caller says so (a new viewer is stored, another viewer's id is looked
    up), the request signs in (its session or token is looked up), the snapshots are not
    loaded or the catalogue is due a check, or the rate limiter is due to add its counts to
    the shared rows.
    """
    live = live_feed(request)
    limiter: SharedRateLimiter = request.app.state.rate_limiter
    signed_in = "authorization" in request.headers or SESSION_COOKIE in request.cookies  # looked up to render
    if not (needs_database or signed_in) and live.answers_from_memory() and not limiter.sync_due():
        return work()
    return await asyncio.get_running_loop().run_in_executor(live.serving, work)


def live_feed(request: Request) -> LiveFeed:
    """The app's `LiveFeed`, created on first use."""
    from culturebridge.feed.live import LiveFeed

    state = request.app.state
    live = getattr(state, "feed", None)
    if live is None:
        with _create_lock:
            live = getattr(state, "feed", None)
            if live is None:
                live = LiveFeed(platform_of(request))
                state.feed = live
    assert isinstance(live, LiveFeed)
    return live


def _viewer(proven: str | None) -> tuple[str, bool]:
    """The viewer the request proved (token or cookie), or a new one (and whether it is new)."""
    if proven is not None:
        return proven, False
    return "v-" + secrets.token_hex(8), True


def _limit_viewer(request: Request, viewer: str) -> None:
    rate_limit(request, f"viewer:{viewer}", platform_of(request).settings.viewer_rate_per_minute)


def _slot_json(slot: ServedSlot) -> dict[str, Any]:
    c = slot.card
    return {"work_id": c.work_id, "kind": c.kind, "title": c.title, "synopsis": c.synopsis, "language": c.language,
            "ai_label": c.label or None, "reason": slot.reason, "score": round(slot.score, 4),
            "media": [{"asset_id": a, "media_type": t, "url": f"/feed/media/{a}"} for a, t in c.media]}


def _market_of(value: str) -> str:
    from culturebridge.feed.store import check_market

    return check_market(value.replace("-", "/", 1) if "/" not in value else value)


# --- audience -----------------------------------------------------------------------------------


@router.get("/feed/media/{asset_id}")
def media(request: Request, asset_id: str) -> Response:
    """A published work's file (labelled rendition for AI works); nothing else is served here."""
    from culturebridge.feed.store import is_served_asset

    platform = platform_of(request)
    with platform.db.read() as conn:
        if not is_served_asset(conn, asset_id):
            raise NotFound(f"no published file {asset_id}", hint="only published works' files are served")
        asset = catalog.get_asset(conn, asset_id)
    return media_response(request, platform.media, asset, {"Cache-Control": "public, max-age=3600"})


@router.get("/feed/{market:path}")
async def feed_page(request: Request, market: str) -> Response:
    """The mobile-first audience feed of a market (US/en, or US-en in the address)."""
    proven = proven_viewer(request, platform_of(request))
    return await _serve(request, partial(_feed_page, request, market, proven), needs_database=proven is None)


def _feed_page(request: Request, market: str, proven: str | None) -> Response:
    market = _market_of(market)
    limit_client(request)
    viewer, new = _viewer(proven)
    _limit_viewer(request, viewer)
    slots = live_feed(request).feed(viewer, market, PAGE_SIZE)
    response = render(request, "feed/page.html", market=market, viewer=viewer,
                      slots=[_slot_json(s) for s in slots], lang=market.split("/", 1)[1])
    if new:
        from culturebridge.feed.store import ensure_viewer

        with platform_of(request).db.write() as conn:
            ensure_viewer(conn, viewer, market)
        response.set_cookie(VIEWER_COOKIE, viewer, max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=is_https(request))
    return response


class SlotMedia(BaseModel):
    asset_id: str
    media_type: str
    url: str


class SlotOut(BaseModel):
    work_id: str
    kind: str
    title: str
    synopsis: str
    language: str
    ai_label: str | None = Field(description="the AI-generated content label shown with the work, if any")
    reason: str = Field(description="why this slot was served")
    score: float
    media: list[SlotMedia]


class FeedOut(BaseModel):
    market: str
    user: str = Field(description="the viewer id the feed is for")
    viewer_token: str = Field(description="send back as X-Viewer-Token with events")
    slots: list[SlotOut]


class EventIn(BaseModel):
    """One audience event (documentation of the body `post_event` parses itself)."""

    event_id: str
    work_id: str
    market: str = Field(description="COUNTRY/lang, e.g. US/en")
    type: str = Field(description="impression, play, like, share, complete, ...")
    viewer: str | None = Field(default=None, description="must be the viewer the request proves, if sent")
    watch_fraction: float | None = None


class EventOut(BaseModel):
    event_id: str
    stored: bool
    duplicate: bool


_EVENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": EventIn.model_json_schema()}}}}


@api_router.get("/feed", response_model=FeedOut, responses=errors(403, 404, 422, 429))
async def feed_json(request: Request, market: str, user: str | None = None, n: str = "10") -> dict[str, Any]:
    """Feed slots with the reason each was served, and the viewer token to send back.

    The viewer is the one proven by `X-Viewer-Token` or the cookie; `user` may name another
    id only while no viewer of that id is stored (a stored viewer's feed is theirs alone).
    """
    proven = proven_viewer(request, platform_of(request))
    return await _serve(request, partial(_feed_json, request, market, user, n, proven),
                        needs_database=proven is None or user not in (None, proven))


def _feed_json(request: Request, market: str, user: str | None, n: str, proven: str | None) -> dict[str, Any]:
    from culturebridge.feed.store import VIEWER, viewer_exists

    limit_client(request)
    if not n.strip().lstrip("-").isdigit() or len(n.strip()) > 6:
        raise InvalidFeedRequest(f"n={n[:20]!r} is not a whole number from 1 to 100", hint="ask for 1 to 100 items")
    platform = platform_of(request)
    viewer = user if user is not None else _viewer(proven)[0]
    if not VIEWER.match(viewer):
        raise InvalidFeedRequest("user must be 1-40 characters of letters, digits, _.:-")
    if viewer != proven:
        with platform.db.read() as conn:
            if viewer_exists(conn, viewer):
                raise PermissionDenied(f"viewer {viewer} belongs to another client",
                                       hint="send that viewer's token in X-Viewer-Token, or leave `user` out")
    _limit_viewer(request, viewer)
    market = _market_of(market)
    slots = live_feed(request).feed(viewer, market, int(n))
    return {"market": market, "user": viewer, "viewer_token": viewer_token(platform, viewer),
            "slots": [_slot_json(s) for s in slots]}


@api_router.post("/events", response_model=EventOut, status_code=201, openapi_extra=_EVENT_BODY,
                 responses=merged({200: {"model": EventOut, "description": "A duplicate of a stored event"}},
                                  errors(403, 404, 413, 422, 429, 503)))
async def post_event(request: Request) -> Response:
    """Store one audience event (idempotent on event_id) for the viewer the request proves; 429 on floods."""
    import json

    from culturebridge.feed.store import parse_event

    # Everything that may touch the database runs in the thread pool: a write here, on the
    # event loop, would stall every other request of the process while it waits for the lock.
    live = live_feed(request)
    client = await run_in_threadpool(limit_client, request)
    if not live.limiter.allow(client):
        return JSONResponse({"error": "RateLimited", "message": "too many events from this client",
                             "hint": "slow down and retry in a few seconds"}, status_code=429,
                            headers={"Retry-After": "5"})
    check_csrf(request, None)
    viewer = proven_viewer(request, platform_of(request))
    if viewer is None:
        raise PermissionDenied("an event needs the viewer's cookie or viewer token",
                               hint="send the X-Viewer-Token from the feed answer")
    await run_in_threadpool(_limit_viewer, request, viewer)
    body = await request.body()
    if len(body) > MAX_EVENT_BODY:
        raise InvalidFeedRequest("event body is too large", hint="send one small JSON object per event")
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidFeedRequest("the event is not valid JSON", hint="send a JSON object") from exc
    if isinstance(raw, dict):
        claimed = raw.get("viewer", viewer)
        if claimed != viewer:
            raise PermissionDenied("an event may speak only for the viewer the request proves",
                                   hint="leave `viewer` out; it is taken from the cookie or token")
        raw["viewer"] = viewer
    event = parse_event(raw)
    stored = await run_in_threadpool(live.record, event)
    return JSONResponse({"event_id": event.event_id, "stored": stored, "duplicate": not stored},
                        status_code=201 if stored else 200)


# --- studio -------------------------------------------------------------------------------------


def feed_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """Where the work is published (with its AI label) and a form to publish it in a market."""
    from culturebridge.feed.store import list_publications

    if not catalog.can_view(viewer, work):
        return None
    can_edit = catalog.can_edit(viewer, work)
    rows = [{"market": p.market, "path": p.market.replace("/", "-"), "label": p.label,
             "localized": p.served_work_id != p.work_id, "served_work_id": p.served_work_id,
             "files": len(p.assets)} for p in list_publications(conn, work_id=work.id)]
    if not rows and not can_edit:
        return None
    suggested = [m for m in work.markets if m not in {r["market"] for r in rows}]
    return Panel("feed/panel.html", {"work_id": work.id, "rows": rows, "can_edit": can_edit,
                                     "suggested": suggested, "ai": work.ai_generated})


@router.get("/studio/feed")
def report_page(request: Request, user: User = Depends(require_user)) -> Response:
    """Per market: slots served by reason and how they ended, break-out reach (admin, reviewer)."""
    from culturebridge.feed.report import feed_report

    require_role(user, "admin", "reviewer")
    with platform_of(request).db.read() as conn:
        reports = feed_report(conn)
    return render(request, "feed/report.html", reports=reports)


@api_router.get("/feed/report", response_model=list[dict[str, Any]], responses=merged(STAFF, errors(404)))
def report_json(request: Request, market: str | None = None,
                user: User = Depends(require_user)) -> list[dict[str, object]]:
    """Per-market feed figures (admin, reviewer): reasons served and converted, break-out reach."""
    from culturebridge.feed.report import feed_report

    require_role(user, "admin", "reviewer")
    with platform_of(request).db.read() as conn:
        return [r.to_dict() for r in feed_report(conn, None if market is None else _market_of(market))]


@router.post("/studio/works/{work_id}/feed/publish")
def publish(request: Request, work_id: str, market: str = Form(...), csrf: str = Form(""),
            user: User = Depends(require_user)) -> Response:
    """Publish the work in a market (owner or admin); AI works get their publication label."""
    from culturebridge.feed.publish import publish_work

    check_csrf(request, csrf)
    platform = platform_of(request)
    result = publish_work(platform, user, work_id, _market_of(market.strip()))
    live = getattr(request.app.state, "feed", None)
    if live is not None:
        live.refresh_in_background()
    return RedirectResponse(f"/studio/works/{work_id}?published={quote(result.publication.market)}#feed",
                            status_code=303)
