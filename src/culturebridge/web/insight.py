"""Insight on the web: the market index and the creator's work analytics, with SVG charts,
CSV downloads, experiments, a work panel, the JSON API and the batched events endpoint.

Admins and reviewers see the market index and every work; creators see their own works.
Audience comments are posted by anonymous viewers from the feed page (viewer cookie and
CSRF token, as feed events are) and are shown to others only after moderation passes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import InvalidInput, InvalidWeights
from culturebridge.web import insight_svg as svg
from culturebridge.web.auth import check_csrf, platform_of, require_role, require_user
from culturebridge.web.clients import limit_client
from culturebridge.web.contract import READ, STAFF, errors, merged
from culturebridge.web.i18n import translator
from culturebridge.web.panels import Panel
from culturebridge.web.render import locale_of, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/insight", tags=["insight"])

MAX_BATCH = 10_000
MAX_BATCH_BODY = 8 * 1024 * 1024
SUBS = ("reach", "resonance", "influence")


def _method(params: dict[str, str]) -> Any:
    """The methodology, re-weighted by query parameters named after sub-indices or indicators."""
    from culturebridge.insight import load, reweight

    method = load()
    given: dict[str, float] = {}
    names = {*SUBS, *(i.name for i in method.indicators)}
    for key, value in params.items():
        if key in names and value != "":
            try:
                given[key] = float(value)
            except ValueError as exc:
                raise InvalidWeights(f"weight of {key!r} must be a number, not {value!r}") from exc
    return reweight(method, given) if given else method


def _csv(name: str, header: list[str], rows: list[list[object]]) -> Response:
    return Response(svg.csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _work_for(conn: Connection, user: User, work_id: str) -> Work:
    work = catalog.get_work(conn, work_id)
    catalog.require_viewer(user, work)
    return work


# --- market index --------------------------------------------------------------------------


@router.get("/studio/insight")
def insight_page(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    """Market index with intervals and rank intervals, re-weighting sliders, discount, experiments, works."""
    from culturebridge.insight import (
        cultural_discount,
        discount_summary,
        list_experiments,
        market_index,
    )

    platform = platform_of(request)
    method = _method(dict(request.query_params))
    with platform.db.read() as conn:
        works = catalog.list_works(conn, user, limit=100)
        staff = user.role in ("admin", "reviewer")
        result = market_index(conn, method) if staff else None
        discount = cultural_discount(conn) if staff else []
        mine = {w.id for w in works}
        exps = [e for e in list_experiments(conn) if staff or e.work_id in mine]
    charts: dict[str, Any] = {}
    if result is not None:
        ranked = [m for m in result.markets if m.enough_data]
        charts["index"] = svg.interval_bars(
            [(m.market, None if m.index is None else m.index.value, m.index.low if m.index else None,
              m.index.high if m.index else None) for m in result.markets], "index")
        charts["ranks"] = svg.rank_intervals(
            [(m.market, m.rank or 0, *(m.rank_interval or (0, 0))) for m in ranked], len(ranked), "rank intervals")
        charts["grid"] = svg.market_grid([(m.market, None if m.index is None else m.index.value)
                                          for m in result.markets], "markets")
    summary = discount_summary(discount)
    return render(request, "insight/index.html", result=result, charts=charts, method=method, discount=discount,
                  summary=summary,
                  experiments=exps, works=works, staff=staff,
                  weights={s: method.subindex_weights[s] for s in SUBS})


@router.get("/studio/insight/index.csv")
def index_csv(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    """The index table as CSV (formula cells neutralised)."""
    from culturebridge.insight import market_index

    require_role(user, "admin", "reviewer")
    with platform_of(request).db.read() as conn:
        result = market_index(conn, _method(dict(request.query_params)))
    rows: list[list[object]] = []
    for m in result.markets:
        d = m.to_dict()
        rows.append([d["market"], d["viewers"], d["enough_data"], d["reach"], d["resonance"], d["influence"],
                     d["index"], *(d["ci"] or ["", ""]), d["rank"], *(d["rank_interval"] or ["", ""])])
    return _csv("market-index", ["market", "viewers", "enough_data", "reach", "resonance", "influence", "index",
                                 "ci_low", "ci_high", "rank", "rank_best", "rank_worst"], rows)


@router.get("/studio/insight/discount.csv")
def discount_csv(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    """The cultural-discount diagnostic as CSV."""
    from culturebridge.insight import cultural_discount

    require_role(user, "admin", "reviewer")
    with platform_of(request).db.read() as conn:
        rows = cultural_discount(conn)
    keys = ["work_id", "title", "market", "variant", "ip", "kind", "completion", "baseline", "discount"]
    return _csv("cultural-discount", [*keys, "ci_low", "ci_high"],
                [[*(r[k] for k in keys), *(r["ci"] or ["", ""])] for r in rows])


# --- a work --------------------------------------------------------------------------------


@router.get("/studio/works/{work_id}/insight")
def work_page(request: Request, work_id: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """A work's funnel, retention, rates with intervals, feed reasons, comments and versions per market."""
    from culturebridge.insight import work_report

    with platform_of(request).db.read() as conn:
        _work_for(conn, user, work_id)
        report = work_report(conn, work_id)
    t = translator(locale_of(request))
    charts = {
        m.market: {
            "funnel": svg.funnel([(t("insight.step." + k), m.funnel[k]) for k in (
                "impressions", "views", "half", "completed", "likes", "shares", "follows")], "funnel " + m.market),
        } for m in report.markets}
    retention = svg.curves([(m.market, m.retention) for m in report.markets if m.funnel["views"]], "retention")
    return render(request, "insight/work.html", report=report, charts=charts, retention=retention)


@router.get("/studio/works/{work_id}/insight/{chart}.csv")
def work_csv(request: Request, work_id: str, chart: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """A work chart's data: funnel, retention, rates or comments."""
    from culturebridge.insight import work_report

    with platform_of(request).db.read() as conn:
        _work_for(conn, user, work_id)
        report = work_report(conn, work_id, comments_limit=1000)
    if chart == "funnel":
        keys = ["impressions", "views", "half", "completed", "likes", "shares", "follows"]
        return _csv(f"{work_id}-funnel", ["market", *keys], [[m.market, *(m.funnel[k] for k in keys)]
                                                               for m in report.markets])
    if chart == "retention":
        return _csv(f"{work_id}-retention", ["market", *(f"{5 * i}%" for i in range(21))],
                    [[m.market, *(round(x, 4) for x in m.retention)] for m in report.markets])
    if chart == "rates":
        return _csv(f"{work_id}-rates", ["market", "rate", "value", "ci_low", "ci_high"],
                    [[m.market, k, round(f.value, 4), round(f.low, 4), round(f.high, 4)]
                     for m in report.markets for k, f in m.rates.items() if f is not None])
    if chart == "comments":
        return _csv(f"{work_id}-comments", ["market", "at", "language", "sentiment", "text"],
                    [[m.market, c["at"], c["language"] or "", "" if c["sentiment"] is None else c["sentiment"],
                      c["text"]] for m in report.markets for c in m.comments])
    raise InvalidInput(f"no chart {chart!r}", hint="use funnel, retention, rates or comments")


def insight_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """A work's headline audience figures with a link to its insight page."""
    from culturebridge.insight import work_report

    if not catalog.can_view(viewer, work):
        return None
    report = work_report(conn, work.id, comments_limit=0)
    rows = [{"market": m.market, "views": m.funnel["views"],
             "completion": None if m.rates["completion"] is None else m.rates["completion"].value}
            for m in report.markets if m.funnel["views"] or m.funnel["impressions"]]
    return Panel("insight/panel.html", {"work_id": work.id, "rows": rows})


# --- experiments ---------------------------------------------------------------------------


@router.get("/studio/insight/experiments/{experiment_id}")
def experiment_page(request: Request, experiment_id: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """An experiment's result: rates per variant, difference, always-valid interval and p-value."""
    from culturebridge.insight import analyze

    with platform_of(request).db.write() as conn:
        from culturebridge.insight.experiments import get

        _work_for(conn, user, get(conn, experiment_id).work_id)
        result = analyze(conn, experiment_id).to_dict()
    iv = result["interval"]
    bars = svg.interval_bars([("A", 100 * result["rates"]["A"][result["metric"]], None, None),
                              ("B", 100 * result["rates"]["B"][result["metric"]], None, None)], "variants")
    diff = svg.interval_bars([("B-A", 100 * result["difference"][result["metric"]] + 50,
                               None if iv is None else 100 * iv[0] + 50, None if iv is None else 100 * iv[1] + 50)],
                             "difference (50 = none)")
    return render(request, "insight/experiment.html", result=result, bars=bars, diff=diff)


@router.get("/studio/insight/experiments/{experiment_id}/result.csv")
def experiment_csv(request: Request, experiment_id: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """An experiment's arms and difference (B - A) with its always-valid intervals, as CSV."""
    from culturebridge.insight import analyze
    from culturebridge.insight.experiments import get

    with platform_of(request).db.write() as conn:
        _work_for(conn, user, get(conn, experiment_id).work_id)
        r = analyze(conn, experiment_id).to_dict()
    completion = r["interval"] if r["metric"] == "completion" else None  # `interval` is the primary metric's
    follow = r["follow_interval"]
    rows: list[list[object]] = [
        [v, r["variants"][v], r["arms"][v]["viewers"], r["arms"][v]["completed"], r["arms"][v]["followed"],
         r["rates"][v]["completion"], r["rates"][v]["follow"], "", "", "", "", ""] for v in ("A", "B")]
    rows.append(["B-A", "", "", "", "", r["difference"]["completion"], r["difference"]["follow"],
                 *(completion or ["", ""]), *(follow or ["", ""]), r["p_value"]])
    return _csv(f"experiment-{experiment_id}", ["arm", "version", "viewers", "completed", "followed", "completion",
                                                "follow", "completion_ci_low", "completion_ci_high", "follow_ci_low",
                                                "follow_ci_high", "p_value"], rows)


# --- JSON API ------------------------------------------------------------------------------


class BatchOut(BaseModel):
    received: int
    stored: int
    duplicates: int
    held_comments: int = Field(description="comments held for moderation")


class CommentOut(BaseModel):
    event_id: str
    status: Literal["held", "stored", "duplicate"]


class DiscountOut(BaseModel):
    works: list[dict[str, Any]]
    summary: dict[str, Any]


_BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["events"],
    "properties": {"events": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                              "items": {"type": "object"}}}}}}}}
_COMMENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["event_id", "work_id", "market", "text"],
    "properties": {"event_id": {"type": "string"}, "work_id": {"type": "string"},
                   "market": {"type": "string"}, "text": {"type": "string"}}}}}}}


@api_router.get("/index", response_model=dict[str, Any], responses=merged(STAFF, errors(404)))
def index_json(request: Request, user: Annotated[User, Depends(require_user)],
               market: str | None = None) -> dict[str, Any]:
    """The market index (admin, reviewer); weights by query parameters, e.g. ?reach=2&like_rate=0."""
    from culturebridge.feed import check_market
    from culturebridge.insight import market_index

    require_role(user, "admin", "reviewer")
    params = {k: v for k, v in request.query_params.items() if k != "market"}
    with platform_of(request).db.read() as conn:
        result = market_index(conn, _method(params), market=None if market is None else check_market(market))
    out = result.to_dict()
    out["detail"] = [m.detail() for m in result.markets]
    return out


@api_router.get("/works/{work_id}", response_model=dict[str, Any], responses=READ)
def work_json(request: Request, work_id: str, user: Annotated[User, Depends(require_user)]) -> dict[str, Any]:
    """A work's first-party analytics per market, and its imported external figures apart."""
    from culturebridge.insight import work_report

    with platform_of(request).db.read() as conn:
        _work_for(conn, user, work_id)
        return work_report(conn, work_id).to_dict()


@api_router.get("/discount", response_model=DiscountOut, responses=errors(401, 403))
def discount_json(request: Request, user: Annotated[User, Depends(require_user)]) -> dict[str, Any]:
    """The cultural-discount diagnostic (admin, reviewer)."""
    from culturebridge.insight import cultural_discount, discount_summary

    require_role(user, "admin", "reviewer")
    with platform_of(request).db.read() as conn:
        rows = cultural_discount(conn)
    return {"works": rows, "summary": discount_summary(rows)}


@api_router.get("/experiments/{experiment_id}", response_model=dict[str, Any], responses=merged(READ, errors(503)))
def experiment_json(request: Request, experiment_id: str, user: Annotated[User, Depends(require_user)]) -> dict[str, Any]:
    """An experiment's result so far (stops it when the sequential test decides)."""
    from culturebridge.insight import analyze
    from culturebridge.insight.experiments import get

    with platform_of(request).db.write() as conn:
        _work_for(conn, user, get(conn, experiment_id).work_id)
        return analyze(conn, experiment_id).to_dict()


@api_router.post("/events", response_model=BatchOut, openapi_extra=_BATCH_BODY,
                 responses=errors(401, 403, 404, 413, 422, 503))
async def events_batch(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    """Store a batch of first-party events (admin): {"events": [...]}; idempotent by event_id."""
    from culturebridge.insight import IngestResult, ingest, parse

    require_role(user, "admin")
    check_csrf(request, None)
    body = await request.body()
    if len(body) > MAX_BATCH_BODY:
        raise InvalidInput("batch body is too large", hint=f"send at most {MAX_BATCH} events of a few hundred bytes")
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the batch is not valid JSON", hint='send {"events": [...]}') from exc
    items = raw.get("events") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
        raise InvalidInput(f'send {{"events": [...]}} with 1 to {MAX_BATCH} events')
    batch = []
    for i, item in enumerate(items):
        try:
            batch.append(parse(item))
        except InvalidInput as exc:
            raise InvalidInput(f"event {i}: {exc.message}", hint=exc.hint) from exc
    def store() -> IngestResult:
        with platform_of(request).db.write() as conn:
            return ingest(conn, batch)

    result = await run_in_threadpool(store)  # never wait for the write lock on the event loop
    return JSONResponse({"received": len(batch), "stored": result.stored, "duplicates": result.duplicates,
                         "held_comments": result.held_comments}, status_code=200)


@api_router.post("/comments", response_model=CommentOut, status_code=201, openapi_extra=_COMMENT_BODY,
                 responses=merged({200: {"model": CommentOut, "description": "A duplicate of a stored comment"}},
                                  errors(403, 404, 413, 422, 429, 503)))
async def post_comment(request: Request) -> Response:
    """An anonymous viewer's comment on a work in a market (viewer cookie, CSRF); moderated before shown."""
    from culturebridge.ids import now
    from culturebridge.insight import IngestResult, ingest, parse
    from culturebridge.web.feed import live_feed
    from culturebridge.web.viewers import proven_viewer

    live = live_feed(request)
    # The client as events count it: the shared per-minute limit, X-Forwarded-For believed
    # only from configured proxies (the raw peer put every client behind a proxy in one bucket).
    client = await run_in_threadpool(limit_client, request)
    if not live.limiter.allow(client):
        return JSONResponse({"error": "RateLimited", "message": "too many requests from this client",
                             "hint": "slow down and retry in a few seconds"}, status_code=429,
                            headers={"Retry-After": "5"})
    check_csrf(request, None)
    body = await request.body()
    if len(body) > 16 * 1024:
        raise InvalidInput("a comment body is at most 16 KB")
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the comment is not valid JSON") from exc
    if not isinstance(raw, dict):
        raise InvalidInput("a comment is a JSON object with event_id, work_id, market and text")
    viewer = proven_viewer(request, platform_of(request))  # the signed viewer cookie or token, as for events
    if not viewer:
        raise InvalidInput("open the feed first: comments come from a viewer", hint="load /feed/<market>")
    event = parse({**raw, "type": "comment", "viewer": viewer}, default_time=now())
    def store() -> IngestResult:
        from culturebridge.feed import get_publication

        with platform_of(request).db.write() as conn:
            get_publication(conn, event.work_id, event.market)
            return ingest(conn, [event])

    result = await run_in_threadpool(store)  # never wait for the write lock on the event loop
    status = "held" if result.held_comments else ("stored" if result.stored else "duplicate")
    return JSONResponse({"event_id": event.event_id, "status": status}, status_code=201 if result.stored else 200)
