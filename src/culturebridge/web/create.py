"""Creating derivatives on the web: the work-page panel, draft and attempt pages, JSON API.

Generations run as `create-draft` jobs (progress on the attempt page, which refreshes while
it runs, and a cancel button). The web accepts only the endpoints the operator configured
(`create_endpoints` names), never a URL typed into a form: the server would otherwise fetch
whatever a user points it at.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.create import (
    KINDS,
    Attempt,
    Draft,
    DraftRequest,
    Options,
    cancel,
    draft_of_work,
    drafts_of_source,
    get_attempt,
    get_draft,
    list_attempts,
    next_version,
    parse_endpoints,
    queue_attempt,
    start,
)
from culturebridge.errors import InvalidInput
from culturebridge.pipeline import statuses
from culturebridge.platform import Platform
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.contract import BODY, READ, WRITE, merged
from culturebridge.web.render import render

if TYPE_CHECKING:
    from culturebridge.web.panels import Panel

router = APIRouter()
CURRENT_USER = Depends(require_user)


def _endpoint_names(platform: Platform) -> list[str]:
    return list(parse_endpoints(platform.settings.create_endpoints, os.environ))


def _checked_endpoint(platform: Platform, name: str | None) -> str | None:
    if not name:
        return None
    if name not in _endpoint_names(platform):
        raise InvalidInput(f"no configured endpoint named {name!r}",
                           hint="the web uses the endpoints the operator configured (create_endpoints)")
    return name


def create_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """"Create a derivative" on the work page: the form, this work's drafts, recent attempts."""
    if not catalog.can_view(viewer, work) or viewer.role == "reviewer":
        return None
    from culturebridge.web.panels import Panel  # panels lists this module: import late

    return Panel("create/panel.html", {
        "kinds": KINDS,
        "drafts": drafts_of_source(conn, work.id),
        "attempts": list_attempts(conn, source_id=work.id, limit=5),
        "of_draft": draft_of_work(conn, work.id),
    })


def _version_rows(conn: Connection, draft: Draft) -> list[dict[str, Any]]:
    rows = []
    for v in draft.versions:
        assets = catalog.list_assets(conn, v.work_id)
        review_state = {s.stage: s for s in statuses(conn, v.work_id)}["review"]
        rows.append({"version": v, "work": catalog.get_work(conn, v.work_id), "assets": assets,
                     "review": v.record.get("review") or {}, "review_now": review_state.detail or review_state.state})
    return rows


@router.post("/studio/works/{work_id}/create", include_in_schema=False)
def create_form(
    request: Request,
    work_id: str,
    kind: str = Form(...),
    brief: str = Form(""),
    market: str = Form(""),
    endpoint: str = Form(""),
    csrf: str = Form(""),
    user: User = CURRENT_USER,
) -> Response:
    check_csrf(request, csrf)
    platform = platform_of(request)
    req = DraftRequest(work_id, kind, brief, market.strip() or None, _checked_endpoint(platform, endpoint),
                       Options(image_size=platform.settings.create_image_size))
    attempt = _queue(platform, user, req)
    return RedirectResponse(f"/studio/create/attempts/{attempt.id}", status_code=303)


def _queue(platform: Platform, user: User, req: DraftRequest) -> Attempt:
    attempt = start(platform, user, req, state="queued")
    with platform.db.write() as conn:
        queue_attempt(conn, attempt)
    return attempt


def _visible_attempt(platform: Platform, user: User, attempt_id: str) -> Attempt:
    with platform.db.read() as conn:
        attempt = get_attempt(conn, attempt_id)
        catalog.require_viewer(user, catalog.get_work(conn, attempt.source_id))
    return attempt


@router.get("/studio/create/attempts/{attempt_id}", include_in_schema=False)
def attempt_page(request: Request, attempt_id: str, user: User = CURRENT_USER) -> Response:
    attempt = _visible_attempt(platform_of(request), user, attempt_id)
    return render(request, "create/attempt.html", attempt=attempt, running=attempt.state in ("queued", "running"))


@router.post("/studio/create/attempts/{attempt_id}/cancel", include_in_schema=False)
def cancel_form(request: Request, attempt_id: str, csrf: str = Form(""), user: User = CURRENT_USER) -> Response:
    check_csrf(request, csrf)
    cancel(platform_of(request), user, attempt_id)
    return RedirectResponse(f"/studio/create/attempts/{attempt_id}", status_code=303)


@router.get("/studio/create/drafts/{draft_id}", include_in_schema=False)
def draft_page(request: Request, draft_id: str, user: User = CURRENT_USER) -> Response:
    with platform_of(request).db.read() as conn:
        draft = get_draft(conn, draft_id)
        source = catalog.get_work(conn, draft.source_id)
        catalog.require_viewer(user, source)
        rows = _version_rows(conn, draft)
    return render(request, "create/draft.html", draft=draft, source=source, rows=rows)


@router.post("/studio/create/drafts/{draft_id}/versions", include_in_schema=False)
def version_form(
    request: Request,
    draft_id: str,
    action: str = Form(...),
    brief: str = Form(""),
    text: str = Form(""),
    csrf: str = Form(""),
    user: User = CURRENT_USER,
) -> Response:
    check_csrf(request, csrf)
    platform = platform_of(request)
    attempt = next_version(platform, user, draft_id, action=action, brief=brief.strip() or None,
                           edited_text=text if text.strip() else None, state="queued")
    with platform.db.write() as conn:
        queue_attempt(conn, attempt)
    return RedirectResponse(f"/studio/create/attempts/{attempt.id}", status_code=303)


# --- JSON API -----------------------------------------------------------------------------------


class DraftIn(BaseModel):
    kind: str = Field(description="story, image, video or brief")
    brief: str = ""
    market: str | None = None
    endpoint: str | None = Field(None, description="a configured endpoint name (create_endpoints)")
    form: str = "synopsis"
    seconds: int = 30
    scenes: int = 6
    subtitles: str = "burned"
    seed: int | None = None


class VersionIn(BaseModel):
    action: str = Field(description="regenerated or edited")
    brief: str | None = None
    text: str | None = Field(None, description="the edited text of a story or brief")
    endpoint: str | None = None


def _draft_json(conn: Connection, draft: Draft) -> dict[str, Any]:
    return {"id": draft.id, "source_id": draft.source_id, "kind": draft.kind, "market": draft.market,
            "versions": [{"number": r["version"].number, "work_id": r["version"].work_id,
                          "parent_work_id": r["version"].parent_work_id, "action": r["version"].action,
                          "brief": r["version"].brief, "assets": [a.id for a in r["assets"]],
                          "review": r["review"], "review_now": r["review_now"], "record": r["version"].record}
                         for r in _version_rows(conn, draft)]}


class AttemptOut(BaseModel):
    id: str
    draft_id: str | None
    source_id: str
    kind: str
    action: str
    brief: str | None
    market: str | None
    request: dict[str, Any]
    state: str = Field(description="queued, running, done, failed or cancelled")
    step: str | None
    error: str | None
    cancel_requested: bool
    job_id: str | None
    version_id: str | None
    created_by: str
    created_at: str
    finished_at: str | None


class VersionOut(BaseModel):
    number: int
    work_id: str
    parent_work_id: str | None
    action: str
    brief: str | None
    assets: list[str]
    review: Any
    review_now: Any
    record: dict[str, Any]


class DraftOut(BaseModel):
    id: str
    source_id: str
    kind: str
    market: str | None
    versions: list[VersionOut]


@router.post("/api/v1/works/{work_id}/drafts", status_code=202, tags=["create"],
             summary="Start a draft from a work (runs as a job; poll the attempt)", response_model=AttemptOut,
             responses=merged(WRITE, BODY))
def create_api(request: Request, work_id: str, body: DraftIn, user: User = CURRENT_USER) -> dict[str, Any]:
    check_csrf(request, None)
    platform = platform_of(request)
    if body.subtitles not in ("burned", "track"):
        raise InvalidInput("subtitles is burned or track")
    options = Options(form=body.form, seconds=body.seconds, scenes=body.scenes,  # type: ignore[arg-type]
                      subtitles=body.subtitles, seed=body.seed,  # type: ignore[arg-type]
                      image_size=platform.settings.create_image_size)
    attempt = _queue(platform, user, DraftRequest(work_id, body.kind, body.brief, body.market,
                                                  _checked_endpoint(platform, body.endpoint), options))
    return _visible_attempt(platform, user, attempt.id).to_dict()


@router.get("/api/v1/works/{work_id}/drafts", tags=["create"], summary="Drafts made from a work",
            response_model=list[DraftOut], responses=READ)
def list_api(request: Request, work_id: str, user: User = CURRENT_USER) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        return [_draft_json(conn, d) for d in drafts_of_source(conn, work_id)]


@router.get("/api/v1/create/drafts/{draft_id}", tags=["create"], summary="A draft's versions with their review",
            response_model=DraftOut, responses=READ)
def draft_api(request: Request, draft_id: str, user: User = CURRENT_USER) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        draft = get_draft(conn, draft_id)
        catalog.require_viewer(user, catalog.get_work(conn, draft.source_id))
        return _draft_json(conn, draft)


@router.post("/api/v1/create/drafts/{draft_id}/versions", status_code=202, tags=["create"],
             summary="Regenerate or edit a draft (runs as a job)", response_model=AttemptOut,
             responses=merged(WRITE, BODY))
def version_api(request: Request, draft_id: str, body: VersionIn, user: User = CURRENT_USER) -> dict[str, Any]:
    check_csrf(request, None)
    platform = platform_of(request)
    attempt = next_version(platform, user, draft_id, action=body.action, brief=body.brief,
                           endpoint=_checked_endpoint(platform, body.endpoint), edited_text=body.text, state="queued")
    with platform.db.write() as conn:
        queue_attempt(conn, attempt)
    return _visible_attempt(platform, user, attempt.id).to_dict()


@router.get("/api/v1/create/attempts/{attempt_id}", tags=["create"], summary="A generation attempt: state, step, error",
            response_model=AttemptOut, responses=READ)
def attempt_api(request: Request, attempt_id: str, user: User = CURRENT_USER) -> dict[str, Any]:
    return _visible_attempt(platform_of(request), user, attempt_id).to_dict()


@router.post("/api/v1/create/attempts/{attempt_id}/cancel", tags=["create"], summary="Cancel a generation",
             response_model=AttemptOut, responses=WRITE)
def cancel_api(request: Request, attempt_id: str, user: User = CURRENT_USER) -> dict[str, Any]:
    check_csrf(request, None)
    return cancel(platform_of(request), user, attempt_id).to_dict()
