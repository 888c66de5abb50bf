"""Fingerprints on the web: the studio conflicts queue, the work-page panel, JSON endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import Error
from culturebridge.fingerprint import (
    DECISIONS,
    STATES,
    ConflictRecord,
    can_decide,
    decide_conflict,
    list_conflicts,
    stored_fingerprints,
)
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.contract import LIST, READ, WRITE
from culturebridge.web.panels import Panel
from culturebridge.web.render import render

router = APIRouter()


def _asset_name(conn: Connection, asset_id: str) -> str:
    try:
        return catalog.get_asset(conn, asset_id).original_name
    except Error:
        return asset_id


def _work_title(conn: Connection, work_id: str, cache: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(title, owner id) of a work, cached for one page."""
    if work_id not in cache:
        try:
            work = catalog.get_work(conn, work_id)
            cache[work_id] = (work.title(), work.owner_id)
        except Error:
            cache[work_id] = (work_id, "")
    return cache[work_id]


def _conflict_view(conn: Connection, c: ConflictRecord, viewer: User, cache: dict[str, tuple[str, str]]) -> dict[str, Any]:
    title, _ = _work_title(conn, c.work_id, cache)
    matched_title, matched_owner = _work_title(conn, c.matched_work_id, cache)
    _, owner = _work_title(conn, c.work_id, cache)
    sees_all = viewer.role in ("admin", "reviewer")
    return {
        **c.to_dict(),
        "title": title,
        "matched_title": matched_title,
        "asset_name": _asset_name(conn, c.asset_id),
        "matched_asset_name": _asset_name(conn, c.matched_asset_id),
        "can_decide": can_decide(viewer, c, matched_owner),
        "can_open_work": sees_all or owner == viewer.id,
        "can_open_matched": sees_all or matched_owner == viewer.id,
    }


def fingerprint_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """Each asset's fingerprint status and the work's open conflicts, on the work page."""
    if not catalog.can_view(viewer, work):
        return None
    assets = catalog.list_assets(conn, work.id)
    if not assets:
        return None

    stored = {s.asset_id: s for s in stored_fingerprints(conn, work.id)}
    rows = [
        {
            "asset_id": a.id,
            "name": a.original_name,
            "status": stored[a.id].status if a.id in stored else None,
            "kind": stored[a.id].kind if a.id in stored else None,
            "reason": stored[a.id].reason if a.id in stored else None,
        }
        for a in assets
    ]
    cache: dict[str, tuple[str, str]] = {}
    conflicts = [
        _conflict_view(conn, c, viewer, cache) for c in list_conflicts(conn, work_id=work.id, state="open", limit=50)
    ]
    return Panel("fingerprint/panel.html", {"rows": rows, "conflicts": conflicts, "work_id": work.id})


@router.get("/studio/conflicts", include_in_schema=False)
def conflicts_page(request: Request, state: str = "open", user: User = Depends(require_user)) -> Response:
    shown = state if state in STATES else "open"
    with platform_of(request).db.read() as conn:
        cache: dict[str, tuple[str, str]] = {}
        items = [_conflict_view(conn, c, user, cache) for c in list_conflicts(conn, viewer=user, state=shown)]
    return render(
        request, "fingerprint/conflicts.html", conflicts=items, state=shown, states=STATES, decisions=DECISIONS
    )


@router.post("/studio/conflicts/{conflict_id}", include_in_schema=False)
def decide_form(
    request: Request,
    conflict_id: str,
    decision: str = Form(...),
    csrf: str = Form(""),
    user: User = Depends(require_user),
) -> Response:
    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        decide_conflict(conn, user, conflict_id, decision)
    return RedirectResponse(f"/studio/conflicts#{conflict_id}", status_code=303)


class ConflictOut(BaseModel):
    id: str
    asset_id: str
    work_id: str
    matched_asset_id: str
    matched_work_id: str
    kind: str
    score: float
    span: dict[str, Any] | None = Field(description="where the copy sits in time-based media")
    state: str = Field(description="open, licensed, infringing or false-match")
    decided_by: str | None
    decided_at: str | None
    created_at: str
    note: str | None
    evidence: dict[str, Any] | None


class FingerprintRow(BaseModel):
    asset_id: str
    kind: str
    status: str
    reason: str | None
    computed_at: str


@router.get("/api/v1/conflicts", tags=["fingerprint"], summary="Copies found between registered works",
            response_model=list[ConflictOut], responses=LIST)
def conflicts_api(
    request: Request, state: str | None = None, work_id: str | None = None, user: User = Depends(require_user)
) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        return [c.to_dict() for c in list_conflicts(conn, viewer=user, state=state, work_id=work_id)]


@router.post(
    "/api/v1/conflicts/{conflict_id}",
    tags=["fingerprint"],
    summary="Decide a conflict: licensed, infringing or false-match (the matched work's rights holder)",
    response_model=ConflictOut, responses=WRITE,
)
def decide_api(request: Request, conflict_id: str,
               decision: str = Query(json_schema_extra={"enum": list(DECISIONS)}),
               user: User = Depends(require_user)) -> dict[str, Any]:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        return decide_conflict(conn, user, conflict_id, decision).to_dict()


@router.get("/api/v1/works/{work_id}/fingerprints", tags=["fingerprint"], summary="Fingerprint status of each asset",
            response_model=list[FingerprintRow], responses=READ)
def work_fingerprints(request: Request, work_id: str, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        return [
            {
                "asset_id": s.asset_id,
                "kind": s.kind,
                "status": s.status,
                "reason": s.reason,
                "computed_at": s.computed_at.isoformat(),
            }
            for s in stored_fingerprints(conn, work_id)
        ]
