"""AI-content labels on the web: the work-page panel, a publication copy, JSON endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import InvalidInput
from culturebridge.labels import stored_check
from culturebridge.labels.log import list_events
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.contract import READ, WRITE, errors, merged
from culturebridge.web.panels import Panel

router = APIRouter()

# Languages of the explicit notice (labels.explicit.SHORT; the stage loads lazily).
LANGS = ("zh", "en", "fr", "es", "ja", "ko")


def _rows(conn: Connection, work: Work) -> list[dict[str, Any]]:
    assets = catalog.list_assets(conn, work.id)
    checks = {a.id: stored_check(conn, a.id) for a in assets}
    renditions = {c.rendition_of: a_id for a_id, c in checks.items() if c and c.purpose == "implicit"}
    rows = []
    for asset in assets:
        stored = checks[asset.id]
        report = stored.report if stored else {}
        c2pa = report.get("c2pa") or {}
        rows.append(
            {
                "asset_id": asset.id,
                "name": asset.original_name,
                "verdict": stored.verdict if stored else None,
                "tier": stored.tier if stored else None,
                "reasons": list(report.get("reasons", [])),
                "findings": list(report.get("findings", [])),
                "label": report.get("label"),
                "c2pa": c2pa.get("validation_state") if c2pa.get("present") else None,
                "purpose": stored.purpose if stored else None,
                "source_asset_id": stored.rendition_of if stored else None,
                "rendition": renditions.get(asset.id),
                "lang": stored.lang if stored else None,
            }
        )
    return rows


def labels_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """Each asset's label verdict and Art. 6 notice, on the work page."""
    if not catalog.can_view(viewer, work):
        return None
    rows = _rows(conn, work)
    if not rows:
        return None

    can_edit = catalog.can_edit(viewer, work)
    return Panel(
        "labels/panel.html",
        {"rows": rows, "declared": work.ai_generated, "can_edit": can_edit, "langs": LANGS},
    )


@router.post("/studio/assets/{asset_id}/labels/publication", include_in_schema=False)
def publication_form(
    request: Request,
    asset_id: str,
    lang: str = Form(...),
    csrf: str = Form(""),
    user: User = Depends(require_user),
) -> Response:
    check_csrf(request, csrf)
    asset = _editable_asset(request, asset_id, user)
    from culturebridge.labels import label_for_publication

    label_for_publication(platform_of(request), asset, lang, actor=user)
    return RedirectResponse(f"/studio/works/{asset.work_id}#labels", status_code=303)


def _editable_asset(request: Request, asset_id: str, user: User) -> catalog.Asset:
    with platform_of(request).db.read() as conn:
        asset = catalog.get_asset(conn, asset_id)
        catalog.require_editor(user, catalog.get_work(conn, asset.work_id))
    return asset


class AssetLabelRow(BaseModel):
    asset_id: str
    name: str
    verdict: str | None = Field(description="null until the asset was checked")
    tier: str | None
    reasons: list[Any]
    findings: list[Any]
    label: Any = Field(description="the label found, as the check reported it")
    c2pa: str | None = Field(description="the C2PA validation state, when a manifest is present")
    purpose: str | None
    source_asset_id: str | None
    rendition: str | None = Field(description="the asset's labelled rendition, if one was made")
    lang: str | None


class AssetLabelReport(BaseModel):
    asset_id: str
    checked: bool
    verdict: str | None
    tier: str | None
    rendition_of: str | None
    purpose: str | None
    report: dict[str, Any] | None
    log: list[dict[str, Any]]


class PublicationOut(BaseModel):
    asset_id: str = Field(description="the labelled copy (the asset itself when it was already compliant)")
    source_asset_id: str
    name: str
    labelled: bool


@router.get("/api/v1/works/{work_id}/labels", tags=["labels"], summary="Label status of each asset of a work",
            response_model=list[AssetLabelRow], responses=READ)
def work_labels(request: Request, work_id: str, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        return _rows(conn, work)


@router.get("/api/v1/assets/{asset_id}/labels", tags=["labels"], summary="The stored label check report of an asset",
            response_model=AssetLabelReport, responses=READ)
def asset_labels(request: Request, asset_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        asset = catalog.get_asset(conn, asset_id)
        catalog.require_viewer(user, catalog.get_work(conn, asset.work_id))
        stored = stored_check(conn, asset_id)
        events = [e.to_dict() for e in list_events(conn, asset_id=asset_id, limit=50)]
    return {
        "asset_id": asset_id,
        "checked": stored is not None,
        "verdict": stored.verdict if stored else None,
        "tier": stored.tier if stored else None,
        "rendition_of": stored.rendition_of if stored else None,
        "purpose": stored.purpose if stored else None,
        "report": stored.report if stored else None,
        "log": events,
    }


@router.post(
    "/api/v1/assets/{asset_id}/labels/publication",
    status_code=201,
    tags=["labels"],
    summary="Make (once) the copy to publish in a language: explicit + implicit labels + C2PA",
    response_model=PublicationOut, responses=merged(WRITE, errors(502)),
)
def publication_api(request: Request, asset_id: str, lang: str = Query(json_schema_extra={"enum": list(LANGS)}),
                    user: User = Depends(require_user)) -> dict[str, Any]:
    check_csrf(request, None)
    if lang not in LANGS:
        raise InvalidInput(f"unknown lang {lang!r}", hint=f"use one of {', '.join(LANGS)}")
    asset = _editable_asset(request, asset_id, user)
    from culturebridge.labels import label_for_publication

    result = label_for_publication(platform_of(request), asset, lang, actor=user)
    return {"asset_id": result.id, "source_asset_id": asset.id, "name": result.original_name, "labelled": result.id != asset.id}
