"""The studio's works list: thumbnails, filters, search, sorting, pages and bulk actions.

A bulk action runs item by item, each in its own transaction: a work the user may not
change, or one the stage refuses, is reported with the reason and the others still go
through; nothing is half-applied silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from culturebridge import catalog
from culturebridge.accounts import User, list_users
from culturebridge.catalog import Work, WorkFilter
from culturebridge.errors import ConfigurationError, Error, InvalidInput
from culturebridge.jobs import STATES, in_state
from culturebridge.pipeline import STAGES, statuses_of
from culturebridge.platform import Platform
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.error_titles import explain
from culturebridge.web.render import locale_of, render
from culturebridge.web.thumbs import thumb_path, thumbable

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
BULK_ACTIONS = ("register", "review", "localize", "publish")
MAX_BULK = 100


def work_filter(request: Request) -> WorkFilter:
    """The filter named by the query string (unknown parameters are ignored)."""
    q = request.query_params
    return WorkFilter(
        query=q.get("q", "").strip(),
        kind=q.get("kind", ""),
        ip=q.get("ip", ""),
        market=q.get("market", "").strip(),
        ai=q.get("ai", ""),
        stage=q.get("stage", ""),
        state=q.get("state", ""),
        owner=q.get("owner", ""),
    )


@router.get("/studio", response_class=HTMLResponse)
def studio(request: Request, user: User = Depends(require_user)) -> Response:
    f = work_filter(request)
    sort = request.query_params.get("sort", "newest")
    after = request.query_params.get("after") or None
    platform = platform_of(request)
    error: str | None = None
    works: list[Work] = []
    next_cursor: str | None = None
    with platform.db.read() as conn:
        try:
            catalog.check_filter(f, stages=STAGES, states=STATES)
            narrow = (lambda ids: in_state(ids, f.stage, f.state)) if f.stage and f.state else None
            page = catalog.browse_works(conn, user, f, sort=sort, after=after, limit=PAGE_SIZE, in_state=narrow)
            works, next_cursor = page.works, page.next_cursor
        except InvalidInput as exc:
            error = explain(exc, locale_of(request))
        covers = catalog.cover_assets(conn, [w.id for w in works])
        stage_rows = statuses_of(conn, [w.id for w in works])
        ips = catalog.list_ips(conn)
        owners = list_users(conn) if user.role != "creator" else []
    params = {k: v for k, v in {**vars(f), "q": f.query, "sort": sort}.items() if v and k != "query"}
    return render(
        request,
        "studio.html",
        status_code=422 if error else 200,
        works=works,
        covers=covers,
        stage_rows=stage_rows,
        f=f,
        q=f.query,
        sort=sort,
        sorts=catalog.SORTS,
        error=error,
        ips=ips,
        owners=owners,
        kinds=catalog.WORK_KINDS,
        stages=STAGES,
        states=STATES,
        next_url=f"/studio?{urlencode({**params, 'after': next_cursor})}" if next_cursor else None,
        first_url=f"/studio?{urlencode(params)}" if after else None,
        filtered=not f.is_empty(),
    )


@router.get("/studio/assets/{asset_id}/thumb")
def asset_thumb(request: Request, asset_id: str, user: User = Depends(require_user)) -> Response:
    platform = platform_of(request)
    with platform.db.read() as conn:
        asset = catalog.get_asset(conn, asset_id)
        catalog.require_viewer(user, catalog.get_work(conn, asset.work_id))
    if not thumbable(asset.media_type):
        raise InvalidInput(f"asset {asset_id} is {asset.media_type}: it has no picture")
    return FileResponse(thumb_path(platform, asset), media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400"})


# --- bulk actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    work_id: str
    title: str
    ok: bool
    message: str
    key: str = ""  # a message key (web/i18n.py) shown instead of `message` when set
    error: Error | None = None  # the stage's refusal, shown with its title in the viewer's language


@router.post("/studio/works/bulk", response_class=HTMLResponse)
async def bulk(request: Request, user: User = Depends(require_user)) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    action = str(form.get("action", ""))
    ids = list(dict.fromkeys(str(v) for v in form.getlist("work") if str(v).strip()))
    if action not in BULK_ACTIONS:
        raise InvalidInput(f"bulk action {action[:40]!r} is not one of {', '.join(BULK_ACTIONS)}")
    if not ids:
        raise InvalidInput("select at least one work first")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"select at most {MAX_BULK} works at a time")
    platform = platform_of(request)
    step = await run_in_threadpool(_step, platform, user, action, str(form.get("locale", "")).strip(),
                                   str(form.get("market", "")).strip(), str(form.get("engine", "machine")))
    # Registering, publishing (labelled renditions) and the rest are slow and write: in the
    # thread pool, so the event loop keeps serving every other request meanwhile.
    outcomes = await run_in_threadpool(lambda: [_run_one(platform, user, work_id, step) for work_id in ids])
    return render(request, "bulk_result.html", action=action, outcomes=outcomes,
                  applied=sum(o.ok for o in outcomes), refused=sum(not o.ok for o in outcomes))


Step = Callable[[str], str]


def _step(platform: Platform, user: User, action: str, locale: str, market: str, engine: str) -> Step:
    """The function applying `action` to one work id, returning what it did."""
    if action == "register":
        from culturebridge.fingerprint import claim_fingerprints
        from culturebridge.rights import register_work

        def register(work_id: str) -> str:
            cert = register_work(platform, user, work_id, fingerprints=claim_fingerprints)
            return f"log entry {cert.leaf_index}"

        return register
    if action == "review":
        from culturebridge.review import submit_work

        def review(work_id: str) -> str:
            with platform.db.write() as conn:
                job = submit_work(conn, user, work_id)
            return f"job {job.id}"

        return review
    if action == "localize":
        from culturebridge.localize import choose_engine, request_localization

        if not locale:
            raise InvalidInput("choose the language to localize into")
        try:
            spec = choose_engine(platform.settings, human=engine == "human")
        except ConfigurationError as exc:
            raise InvalidInput(exc.message, hint="choose the human translator, or ask the operator: " + (exc.hint or "")) from exc

        def localize(work_id: str) -> str:
            with platform.db.write() as conn:
                loc = request_localization(conn, user, work_id, locale, spec)
            return f"{loc.target_lang}: {loc.state}"

        return localize
    from culturebridge.feed.publish import publish_work
    from culturebridge.feed.store import check_market

    if not market:
        raise InvalidInput("choose the market to publish to, e.g. US/en")
    check_market(market)

    def publish(work_id: str) -> str:
        publish_work(platform, user, work_id, market)
        return market

    return publish


def _run_one(platform: Platform, user: User, work_id: str, step: Step) -> Outcome:
    title = work_id
    try:
        with platform.db.read() as conn:
            work = catalog.get_work(conn, work_id)
            if not catalog.can_view(user, work):
                return Outcome(work_id, work_id, False, "not found", "bulk.not_found")
        title = work.title()
        if user.role != "admin" and work.owner_id != user.id:
            return Outcome(work_id, title, False, "only its owner or an admin may change this work", "bulk.not_editor")
        return Outcome(work_id, title, True, step(work_id))
    except Error as exc:
        return Outcome(work_id, title, False, exc.message, error=exc)
