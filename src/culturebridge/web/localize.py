"""Localization on the web: the work-page panel, the side-by-side workbench, IP glossaries, JSON.

Every state-changing form posts the session's CSRF token; the stage's core functions check
who may edit (the work's owner or an admin). Engines never run in a request: starting a
localization queues a job that a worker runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import ConfigurationError, FileTooLarge, InvalidInput
from culturebridge.localize.segments import LANGUAGES, base_language
from culturebridge.web.auth import check_csrf, platform_of, require_role, require_user
from culturebridge.web.contract import READ
from culturebridge.web.panels import Panel
from culturebridge.web.render import render

if TYPE_CHECKING:
    from culturebridge.localize.localizations import Localization, StoredSegment

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["localize"])


def _summary(conn: Connection, loc: Localization) -> dict[str, Any]:
    from culturebridge.jobs import get_job
    from culturebridge.localize.localizations import qa_counts, segments_of

    stored = segments_of(conn, loc.id)
    job = get_job(conn, loc.job_id) if loc.job_id else None
    return {"locale": loc.target_lang, "state": loc.state, "engine": loc.engine.label,
            "derived_work": loc.derived_id, "segments": len(stored),
            "done": sum(1 for s in stored if s.state in ("translated", "edited")),
            "qa": qa_counts(stored), "qa_total": sum(len(s.issues) for s in stored),
            "job": {"id": job.id, "state": job.state, "done": job.done, "total": job.total,
                    "error": job.error} if job else None}


def _targets(work: Work) -> list[str]:
    return [lang for lang in LANGUAGES if lang != base_language(work.original_language)]


def localize_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """The work's localized versions with QA counts, and a form to start one."""
    from culturebridge.localize.localizations import list_localizations

    if not catalog.can_view(viewer, work):
        return None
    rows = [_summary(conn, loc) for loc in list_localizations(conn, work.id)]
    can_edit = catalog.can_edit(viewer, work)
    if not rows and not can_edit:
        return None
    ip_name = catalog.get_ip_by_id(conn, work.ip_id).name if work.ip_id else None
    return Panel("localize/panel.html", {"work_id": work.id, "rows": rows, "can_edit": can_edit,
                                         "targets": _targets(work), "ip_name": ip_name})


def _segment_view(s: StoredSegment) -> dict[str, Any]:
    kind = s.id.split(":")[0]
    return {"id": s.id, "anchor": "seg-" + s.id.replace(":", "-"), "path": quote(s.id, safe=""),
            "kind": kind, "source": s.source, "target": s.target or "", "state": s.state, "origin": s.origin,
            "error": s.error, "issues": [{"check": i.check, "message": i.message, "severity": i.severity}
                                        for i in s.issues]}


@router.get("/studio/works/{work_id}/localize/{locale}")
def workbench(request: Request, work_id: str, locale: str, user: User = Depends(require_user)) -> Response:
    """Source and translation side by side, QA flags per segment, a human edit form per segment."""
    from culturebridge.localize.localizations import get_localization, segments_of

    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        loc = get_localization(conn, work_id, locale)
        summary = _summary(conn, loc)
        stored = [_segment_view(s) for s in segments_of(conn, loc.id)]
    can_edit = catalog.can_edit(user, work)
    return render(request, "localize/workbench.html", work=work, loc=loc, summary=summary, segments=stored,
                  can_edit=can_edit, saved=request.query_params.get("saved"),
                  imported=request.query_params.get("imported"), refused=request.query_params.get("refused"))


@router.post("/studio/works/{work_id}/localize")
def start(request: Request, work_id: str, locale: str = Form(...), engine: str = Form("machine"),
          csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Queue a localization (machine engine from the settings, or a human translator)."""
    from culturebridge.localize.engine_spec import choose_engine
    from culturebridge.localize.work_localization import request_localization

    check_csrf(request, csrf)
    platform = platform_of(request)
    try:
        spec = choose_engine(platform.settings, human=engine == "human")
    except ConfigurationError as exc:  # the form offered it; say what the operator must set
        raise InvalidInput(exc.message, hint="choose the human translator, or ask the operator: " + (exc.hint or "")) from exc
    with platform.db.write() as conn:
        request_localization(conn, user, work_id, locale.strip(), spec)
    return RedirectResponse(f"/studio/works/{work_id}/localize/{quote(locale.strip())}", status_code=303)


@router.post("/studio/works/{work_id}/localize/{locale}/segments/{segment_id}")
def edit(request: Request, work_id: str, locale: str, segment_id: str, text: str = Form(...),
         csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Save a human translation of one segment; it is QA-checked and added to the IP's memory."""
    from culturebridge.localize.localizations import get_localization
    from culturebridge.localize.work_localization import edit_segment

    check_csrf(request, csrf)
    platform = platform_of(request)
    with platform.db.write() as conn:
        loc = get_localization(conn, work_id, locale)
        edit_segment(conn, platform, user, loc.id, segment_id, text)
    anchor = "seg-" + segment_id.replace(":", "-")
    return RedirectResponse(f"/studio/works/{work_id}/localize/{quote(locale)}?saved={quote(segment_id, safe='')}#{anchor}",
                            status_code=303)


@router.post("/studio/works/{work_id}/localize/{locale}/rerun")
def rerun(request: Request, work_id: str, locale: str, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Queue the localization again with its engine (finishes what is missing, rebuilds subtitles)."""
    from culturebridge.localize.work_localization import rerun_localization

    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        rerun_localization(conn, user, work_id, locale)
    return RedirectResponse(f"/studio/works/{work_id}/localize/{quote(locale)}", status_code=303)


@router.get("/studio/works/{work_id}/localize/{locale}/xliff")
def xliff_download(request: Request, work_id: str, locale: str, user: User = Depends(require_user)) -> Response:
    """The segments as XLIFF 2.0 for an outside translator."""
    from culturebridge.localize.localizations import get_localization
    from culturebridge.localize.work_localization import to_localization_xliff

    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        data = to_localization_xliff(conn, get_localization(conn, work_id, locale).id)
    return Response(data, media_type="application/xliff+xml",
                    headers={"content-disposition": f'attachment; filename="{work_id}.{locale}.xlf"'})


MAX_XLIFF_BYTES = 20 * 1024 * 1024


@router.post("/studio/works/{work_id}/localize/{locale}/xliff")
def xliff_upload(request: Request, work_id: str, locale: str, file: UploadFile = File(...), csrf: str = Form(""),
                 user: User = Depends(require_user)) -> Response:
    """Apply an outside translator's XLIFF 2.0 targets as human edits."""
    from culturebridge.localize.localizations import get_localization
    from culturebridge.localize.work_localization import import_localization_xliff

    check_csrf(request, csrf)
    data = file.file.read(MAX_XLIFF_BYTES + 1)
    if len(data) > MAX_XLIFF_BYTES:
        raise FileTooLarge(f"the XLIFF file is larger than {MAX_XLIFF_BYTES:,} bytes", hint="split the job")
    platform = platform_of(request)
    with platform.db.write() as conn:
        loc = get_localization(conn, work_id, locale)
        updated, refused = import_localization_xliff(conn, platform, user, loc.id, data)
    return RedirectResponse(f"/studio/works/{work_id}/localize/{quote(locale)}?imported={updated}&refused={len(refused)}",
                            status_code=303)


# --- glossaries --------------------------------------------------------------------------


@router.get("/studio/ips/{name}/glossary")
def glossary_page(request: Request, name: str, user: User = Depends(require_user)) -> Response:
    """An IP's termbase: renderings per locale, strategy, forbidden variants, origin."""
    from culturebridge.localize.glossary_store import stored_glossary, term_origins

    with platform_of(request).db.read() as conn:
        ip = catalog.get_ip(conn, name)
        glossary = stored_glossary(conn, name)
        origins = term_origins(conn, name)
    locales = sorted({loc for t in glossary.terms for loc in t.renderings})
    terms = [{"source": t.source, "strategy": t.strategy, "note": t.note, "origin": origins.get(t.source),
              "renderings": dict(t.renderings)} for t in glossary.terms]
    terms.sort(key=lambda t: (not t["renderings"], t["origin"] != "curated", t["source"]))  # enforceable first
    return render(request, "localize/glossary.html", ip=ip, terms=terms, locales=locales, stored=bool(origins),
                  can_seed=user.role in ("admin", "reviewer"), seeded=request.query_params.get("seeded") == "1")


@router.post("/studio/ips/{name}/glossary/seed")
def seed(request: Request, name: str, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    """(Re)seed an IP's stored glossary from its canon card; curated terms stay."""
    from culturebridge.localize.glossary_store import seed_glossary

    check_csrf(request, csrf)
    require_role(user, "admin", "reviewer")
    with platform_of(request).db.write() as conn:
        seed_glossary(conn, name)
    return RedirectResponse(f"/studio/ips/{quote(name)}/glossary?seeded=1", status_code=303)


@router.get("/studio/ips/{name}/glossary.tbx")
def glossary_tbx(request: Request, name: str, user: User = Depends(require_user)) -> Response:
    """The IP's glossary as TBX (ISO 30042) for CAT tools."""
    from culturebridge.localize.glossary_store import stored_glossary
    from culturebridge.localize.termbase_files import to_tbx

    with platform_of(request).db.read() as conn:
        glossary = stored_glossary(conn, name)
    locales = sorted({loc for t in glossary.terms for loc in t.renderings})
    return Response(to_tbx(glossary, locales), media_type="application/x-tbx+xml",
                    headers={"content-disposition": f'attachment; filename="{name}.tbx"'})


# --- JSON ----------------------------------------------------------------------------------


class LocalizationJob(BaseModel):
    id: str
    state: str
    done: int
    total: int | None
    error: str | None


class LocalizationOut(BaseModel):
    locale: str
    state: str
    engine: str
    derived_work: str | None = Field(description="the localized work, once made")
    segments: int
    done: int
    qa: dict[str, int] = Field(description="QA flags by kind")
    qa_total: int
    job: LocalizationJob | None


class LocalizationDetail(LocalizationOut):
    segment_list: list[dict[str, Any]]


@api_router.get("/works/{work_id}/localizations", summary="A work's localizations with progress and QA counts",
                response_model=list[LocalizationOut], responses=READ)
def api_localizations(request: Request, work_id: str, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    from culturebridge.localize.localizations import list_localizations

    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        return [_summary(conn, loc) for loc in list_localizations(conn, work_id)]


@api_router.get("/works/{work_id}/localizations/{locale}", summary="One localization with its segments and QA flags",
                response_model=LocalizationDetail, responses=READ)
def api_localization(request: Request, work_id: str, locale: str, user: User = Depends(require_user)) -> dict[str, Any]:
    from culturebridge.localize.localizations import get_localization, segments_of

    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        loc = get_localization(conn, work_id, locale)
        out = _summary(conn, loc)
        out["segment_list"] = [{k: v for k, v in _segment_view(s).items() if k not in ("anchor", "path")}
                               for s in segments_of(conn, loc.id)]
    return out
