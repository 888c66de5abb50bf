"""Studio pages: log in, browse and search works, add works and files, canon cards, lineage."""

from __future__ import annotations

from urllib.parse import urlparse

import yaml
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import (
    User,
    authenticate,
    end_session,
    get_user_by_name,
    record,
    start_session,
    throttle,
)
from culturebridge.catalog import CanonCard, NewWork
from culturebridge.errors import AuthenticationRequired, InvalidInput, NotFound, RateLimited
from culturebridge.ids import now
from culturebridge.jobs import JOB_STATES, ingest_file, list_jobs
from culturebridge.pipeline import statuses
from culturebridge.web.api import job_scope
from culturebridge.web.auth import (
    SESSION_COOKIE,
    check_csrf,
    platform_of,
    require_role,
    require_user,
    set_session_cookie,
)
from culturebridge.web.clients import client_address
from culturebridge.web.lineage_svg import lineage_svg, viewable
from culturebridge.web.media import media_response
from culturebridge.web.render import locale_of, render
from culturebridge.web.stages import work_panels

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/studio"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/studio"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), failed=False)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
    next: str = Form("/studio"),
) -> Response:
    check_csrf(request, csrf)
    platform = platform_of(request)
    allowed = platform.settings.login_failures_allowed
    keys = {throttle.account_key(username): allowed, throttle.client_key(client_address(request)): allowed * throttle.CLIENT_FACTOR}
    with platform.db.read() as conn:
        wait = throttle.wait_seconds(conn, keys, now())
    if wait > 0:
        raise RateLimited("too many failed logins; wait before trying again",
                          hint=f"retry in {wait:.0f} s", retry_after=int(wait) + 1)
    client = client_address(request)
    try:
        with platform.db.read() as conn:  # argon2 takes ~50 ms: never under the write lock
            user = authenticate(conn, username, password)
        with platform.db.write() as conn:
            throttle.clear(conn, throttle.account_key(username))
            secret = start_session(conn, user, platform.settings.session_days)
            record(conn, "login-succeeded", actor=user, subject=user, client=client, detail=_agent(request))
    except AuthenticationRequired:
        with platform.db.write() as conn:
            known = [k for k in keys if k.startswith("client:")]
            account = _account(conn, username)
            if account is not None:
                known.append(throttle.account_key(username))
            throttle.record_failure(conn, known, now())
            record(conn, "login-failed", actor=None, subject=account, subject_name=username, client=client,
                   detail=_agent(request))
        return render(request, "login.html", status_code=401, next=_safe_next(next), failed=True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, request, secret)
    return response


def _agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:200]


def _account(conn: Connection, username: str) -> User | None:
    try:
        return get_user_by_name(conn, username)
    except NotFound:
        return None


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    if cookie := request.cookies.get(SESSION_COOKIE):
        with platform_of(request).db.write() as conn:
            end_session(conn, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request) -> Response:
    if code not in ("en", "zh"):
        raise InvalidInput(f"language {code!r} is not offered; choose en or zh")
    back = request.headers.get("referer")
    response = RedirectResponse(_safe_next(urlparse(back).path if back else "/"), status_code=303)
    response.set_cookie("lang", code, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/studio/works/new", response_class=HTMLResponse)
def new_work_page(request: Request, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        ips = catalog.list_ips(conn)
    return render(request, "work_new.html", ips=ips, kinds=catalog.WORK_KINDS, derivations=catalog.DERIVATION_KINDS)


@router.post("/studio/works")
def create_work(
    request: Request,
    csrf: str = Form(""),
    kind: str = Form(...),
    original_language: str = Form("zh"),
    title_zh: str = Form(""),
    title_en: str = Form(""),
    synopsis_zh: str = Form(""),
    synopsis_en: str = Form(""),
    ip: str = Form(""),
    markets: str = Form(""),
    rights_holder: str = Form(""),
    ai_generated: bool = Form(False),
    derived_from: str = Form(""),
    derivation: str = Form("ai-adaptation"),
    tool: str = Form(""),
    user: User = Depends(require_user),
) -> Response:
    check_csrf(request, csrf)
    new = NewWork(
        kind=kind,
        original_language=original_language,
        titles={"zh": title_zh, "en": title_en},
        synopses={"zh": synopsis_zh, "en": synopsis_en},
        rights_holder=rights_holder,
        ip_name=ip or None,
        markets=markets.split(),
        ai_generated=ai_generated,
    )
    with platform_of(request).db.write() as conn:
        work = catalog.create_work(conn, user, new)
        if derived_from.strip():
            catalog.add_derivation(conn, user, derived_from.strip(), work.id, derivation, tool or None, ai_generated)
    return RedirectResponse(f"/studio/works/{work.id}", status_code=303)


@router.get("/studio/works/{work_id}", response_class=HTMLResponse)
def work_page(request: Request, work_id: str, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        assets = catalog.list_assets(conn, work_id)
        graph = viewable(catalog.lineage(conn, work_id), user)
        stages = statuses(conn, work_id)
        ip = catalog.get_ip_by_id(conn, work.ip_id) if work.ip_id else None
        panels = [p for provider in work_panels() if (p := provider(conn, work, user)) is not None]
    locale = locale_of(request)
    return render(
        request,
        "work.html",
        work=work,
        assets=assets,
        stages=stages,
        ip=ip,
        lineage=graph,
        lineage_svg=lineage_svg(graph, locale),
        can_edit=catalog.can_edit(user, work),
        panels=panels,
        uploaded=request.query_params.get("uploaded") == "1",
    )


@router.post("/studio/works/{work_id}/assets")
def upload_asset(
    request: Request,
    work_id: str,
    file: UploadFile = File(...),
    csrf: str = Form(""),
    user: User = Depends(require_user),
) -> Response:
    check_csrf(request, csrf)
    ingest_file(platform_of(request), user, work_id, file.file, file.filename or "upload")
    return RedirectResponse(f"/studio/works/{work_id}?uploaded=1", status_code=303)


@router.get("/studio/works/{work_id}/lineage", response_class=HTMLResponse)
def lineage_page(request: Request, work_id: str, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        graph = viewable(catalog.lineage(conn, work_id), user)
    locale = locale_of(request)
    return render(request, "lineage.html", work=work, lineage=graph, lineage_svg=lineage_svg(graph, locale))


@router.get("/studio/assets/{asset_id}/raw")
def asset_raw(request: Request, asset_id: str, user: User = Depends(require_user)) -> Response:
    platform = platform_of(request)
    with platform.db.read() as conn:
        asset = catalog.get_asset(conn, asset_id)
        catalog.require_viewer(user, catalog.get_work(conn, asset.work_id))
    if not platform.media.exists(asset.storage_key):
        raise NotFound(f"the file of asset {asset_id} is missing from the media store", hint="restore it from a backup")
    return media_response(request, platform.media, asset)


@router.get("/studio/ips", response_class=HTMLResponse)
def ips_page(request: Request, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        ips = catalog.list_ips(conn)
    return render(request, "ips.html", ips=ips)


@router.get("/studio/ips/{name}", response_class=HTMLResponse)
def ip_page(request: Request, name: str, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        ip = catalog.get_ip(conn, name)
    text = yaml.safe_dump(ip.canon.to_dict(), allow_unicode=True, sort_keys=False)
    return render(request, "ip.html", ip=ip, card_yaml=text, error=None, saved=request.query_params.get("saved") == "1")


@router.post("/studio/ips/{name}")
def save_ip(
    request: Request, name: str, card_yaml: str = Form(...), csrf: str = Form(""), user: User = Depends(require_user)
) -> Response:
    check_csrf(request, csrf)
    require_role(user, "admin", "reviewer")
    platform = platform_of(request)
    try:
        data = yaml.safe_load(card_yaml)
        card = CanonCard.from_dict(data)
        with platform.db.write() as conn:
            catalog.update_canon(conn, user, name, card)
    except (yaml.YAMLError, InvalidInput) as exc:
        with platform.db.read() as conn:
            ip = catalog.get_ip(conn, name)
        message = exc.diagnostic() if isinstance(exc, InvalidInput) else f"not valid YAML: {exc}"
        return render(request, "ip.html", status_code=422, ip=ip, card_yaml=card_yaml, error=message, saved=False)
    return RedirectResponse(f"/studio/ips/{name}?saved=1", status_code=303)


@router.get("/studio/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, state: str = "", user: User = Depends(require_user)) -> Response:
    if state and state not in JOB_STATES:
        raise InvalidInput(f"job state {state[:40]!r} is not one of {', '.join(JOB_STATES)}")
    with platform_of(request).db.read() as conn:
        jobs = list_jobs(conn, 100, for_owner=job_scope(user), state=state or None)
    return render(request, "jobs.html", jobs=jobs, state=state, states=JOB_STATES)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    endpoints = [
        (method.upper(), path, op.get("summary", ""), op.get("description", ""))
        for path, methods in spec.get("paths", {}).items()
        for method, op in methods.items()
    ]
    return render(request, "api_docs.html", endpoints=endpoints)
