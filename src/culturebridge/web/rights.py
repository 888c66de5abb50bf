"""Rights on the web: the work-page certificate panel, registration, bundles, /verify and /log.

`/verify` and `/log/...` are public: anyone may check a bundle or a file without an account,
and the log is a public transparency log. Verifying changes nothing, so its form needs no
session (its anonymous CSRF field is still checked, as for every form).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import Error, InvalidInput
from culturebridge.fingerprint import claim_fingerprints
from culturebridge.platform import Platform
from culturebridge.rights.bundle import MAX_BUNDLE_BYTES, verify_bundle
from culturebridge.rights.claims import LICENCES, Licence
from culturebridge.rights.http import log_router
from culturebridge.rights.log import TransparencyLog
from culturebridge.rights.platform import open_log
from culturebridge.rights.registry import (
    Certificate,
    bundle_url,
    certificate,
    certificates_for_sha256,
    entry_bundle,
    logged_claim,
    register_work,
    require_certificate,
    timestamp_token,
    work_bundle,
)
from culturebridge.rights.timestamp import verify_timestamp
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.clients import limit_client
from culturebridge.web.contract import READ, WRITE, errors, merged
from culturebridge.web.panels import Panel

MAX_INDEX = 2**53  # log indexes and sizes past this are refused as 422 before any query
from culturebridge.web.render import render

router = APIRouter()
MAX_MEDIA_FILES = 20
_CHUNK = 1 << 20


def _request_log(request: Request) -> TransparencyLog:
    platform = platform_of(request)
    return open_log(platform.db, platform.settings)


router.include_router(log_router(_request_log, errors=errors(404, 422)))


class LicenceOut(BaseModel):
    id: str = Field(description="an SPDX id (CC 4.0, CC0), all-rights-reserved or custom")
    terms: str | None = Field(default=None, description="the terms of a custom licence")


class CertificateOut(BaseModel):
    work_id: str
    leaf_index: int
    leaf_hash: str = Field(description="base64")
    licence: LicenceOut
    signer_id: str
    registered_by: str
    registered_at: datetime
    tree_size: int | None
    root_hash: str | None = Field(description="base64; null until a checkpoint covers the entry")
    checkpoint: str | None = Field(description="the signed note of the covering checkpoint")


class ClaimView(BaseModel):
    work_id: str
    leaf_index: int
    leaf_hash: str
    licence: str
    terms: str | None
    rights_holder: str
    assets: int
    source: int | None = Field(description="the source work's log index, for a derivative")
    registered_at: str
    tree_size: int | None
    root_hash: str | None
    checkpoint: str | None
    timestamp: str | None = Field(description="the RFC 3161 time of the covering checkpoint, if timestamped")


class FileClaims(BaseModel):
    name: str
    sha256: str
    claims: list[ClaimView]


class VerifyOut(BaseModel):
    mode: Literal["bundle", "media"]
    report: dict[str, Any] | None = Field(default=None, description="bundle mode: each check and `valid`")
    files: list[FileClaims] | None = Field(default=None, description="media mode: the claims found per file")


_VERIFY_BODY = {"requestBody": {"required": False, "content": {"multipart/form-data": {"schema": {
    "type": "object",
    "properties": {"bundle": {"type": "string", "format": "binary", "description": "an evidence bundle JSON"},
                   "media": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": f"up to {MAX_MEDIA_FILES} media files"}},
}}}}}


def _certificate_view(conn: Connection, cert: Certificate) -> dict[str, Any]:
    claim = logged_claim(conn, cert.leaf_index).claim
    root = cert.root_hash
    return {
        "work_id": cert.work_id,
        "leaf_index": cert.leaf_index,
        "leaf_hash": base64.b64encode(cert.leaf_hash).decode(),
        "licence": cert.licence.id,
        "terms": cert.licence.terms,
        "rights_holder": claim.rights_holder,
        "assets": len(claim.assets),
        "source": None if claim.source is None else claim.source.leaf_index,
        "registered_at": cert.registered_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "tree_size": cert.tree_size,
        "root_hash": None if root is None else base64.b64encode(root).decode(),
        "checkpoint": cert.checkpoint,
        "timestamp": _timestamp_text(conn, cert),
    }


def _timestamp_text(conn: Connection, cert: Certificate) -> str | None:
    """When the TSA says the covering checkpoint existed (RFC 3161), if it was timestamped."""
    if cert.tree_size is None or cert.checkpoint is None:
        return None
    token = timestamp_token(conn, cert.tree_size)
    if token is None:
        return None
    try:
        info = verify_timestamp(token, cert.checkpoint.encode())
    except Error as exc:
        return f"invalid token: {exc.message}"
    return f"{info.time.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')} · {info.tsa_subject}"


def rights_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """The work's certificate (log entry, checkpoint), Register button and bundle link."""
    if not catalog.can_view(viewer, work):
        return None

    cert = certificate(conn, work.id)
    return Panel(
        "rights/panel.html",
        {
            "work_id": work.id,
            "cert": None if cert is None else _certificate_view(conn, cert),
            "can_edit": catalog.can_edit(viewer, work),
            "licences": LICENCES,
            "current": cert.licence.id if cert else "all-rights-reserved",
            "bundle_url": bundle_url(work.id),
        },
    )


def _licence(licence: str, terms: str) -> Licence:
    if licence not in LICENCES:
        raise InvalidInput(f"licence {licence!r} is not one of {', '.join(LICENCES)}")
    return Licence(licence, (terms.strip() or None) if licence == "custom" else None)


@router.post("/studio/works/{work_id}/rights/register", include_in_schema=False)
def register_form(
    request: Request,
    work_id: str,
    licence: str = Form(...),
    terms: str = Form(""),
    csrf: str = Form(""),
    user: User = Depends(require_user),
) -> Response:
    check_csrf(request, csrf)
    register_work(platform_of(request), user, work_id, _licence(licence, terms), fingerprints=claim_fingerprints)
    return RedirectResponse(f"/studio/works/{work_id}#rights", status_code=303)


@router.get("/studio/works/{work_id}/rights/bundle.json", include_in_schema=False)
def bundle_download(request: Request, work_id: str, user: User = Depends(require_user)) -> Response:
    platform = platform_of(request)
    with platform.db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
    return _bundle_response(work_bundle(platform, work_id), f"{work_id}.evidence.json")


@router.get("/verify/entries/{leaf_index}/bundle.json", include_in_schema=False)
def public_bundle(request: Request, leaf_index: int = Path(ge=0, le=MAX_INDEX)) -> Response:
    # Every leaf is public in the log already; the bundle only adds proofs and the checkpoint.
    if leaf_index < 0:
        raise InvalidInput("a log index is 0 or more")
    return _bundle_response(entry_bundle(platform_of(request), leaf_index), f"entry-{leaf_index}.evidence.json")


def _bundle_response(bundle: dict[str, Any], filename: str) -> Response:
    return Response(
        json.dumps(bundle, ensure_ascii=False, indent=2) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/verify", include_in_schema=False)
def verify_page(request: Request) -> Response:
    return render(request, "rights/verify.html", result=None)


async def _read_bundle(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_BUNDLE_BYTES + 1)
    if len(data) > MAX_BUNDLE_BYTES:
        raise InvalidInput("the bundle is larger than 16 MiB", hint="upload the evidence bundle JSON file")
    return data


async def _digest(upload: UploadFile) -> str:
    digest = hashlib.sha256()
    while chunk := await upload.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


async def _check(request: Request, bundle: UploadFile | None, media: list[UploadFile]) -> dict[str, Any]:
    """Verify an uploaded bundle (with optional media), or look up the claims of media alone."""
    uploads = [m for m in media if m.filename]
    if len(uploads) > MAX_MEDIA_FILES:
        raise InvalidInput(f"at most {MAX_MEDIA_FILES} media files at once")
    digests: dict[str, str] = {}
    for number, upload in enumerate(uploads, 1):
        name = upload.filename or "upload"
        digests[name if name not in digests else f"{name} (#{number})"] = await _digest(upload)
    if bundle is not None and bundle.filename:
        data = await _read_bundle(bundle)
        report = await run_in_threadpool(verify_bundle, data, media_digests=digests)
        return {"mode": "bundle", "report": report.to_json()}
    if not digests:
        raise InvalidInput("choose an evidence bundle, a media file, or both")
    files = await run_in_threadpool(_claims_of, platform_of(request), digests)
    return {"mode": "media", "files": files}


def _claims_of(platform: Platform, digests: dict[str, str]) -> list[dict[str, Any]]:
    files = []
    with platform.db.read() as conn:
        for name, sha in digests.items():
            found = [_certificate_view(conn, c) for c in certificates_for_sha256(conn, sha)]
            files.append({"name": name, "sha256": sha, "claims": found})
    return files


async def _uploads(request: Request) -> tuple[UploadFile | None, list[UploadFile], str]:
    """The bundle, media files and CSRF field of a /verify form.

    Read from the raw form: a browser sends an empty file input as a part with no file
    name, which FastAPI's typed `File()` parameters refuse with a confusing 422.
    """
    form = await request.form()
    files = [f for f in form.getlist("bundle") if isinstance(f, UploadFile) and f.filename]
    if len(files) > 1:
        raise InvalidInput("upload one evidence bundle at a time")
    media = [f for f in form.getlist("media") if isinstance(f, UploadFile) and f.filename]
    csrf = form.get("csrf")
    return (files[0] if files else None), media, csrf if isinstance(csrf, str) else ""


@router.post("/verify", include_in_schema=False)  # the page's form; scripts use /api/v1/verify
async def verify_form(request: Request) -> Response:
    limit_client(request)
    bundle, media, csrf = await _uploads(request)
    check_csrf(request, csrf)
    result = await _check(request, bundle, media)
    failed = result["mode"] == "bundle" and not result["report"]["valid"]
    return render(request, "rights/verify.html", status_code=422 if failed else 200, result=result)


@router.post(
    "/api/v1/verify", tags=["rights"],
    summary="Verify an evidence bundle (multipart field `bundle`, optional `media` files), or find the claims of `media` alone",
    response_model=VerifyOut, openapi_extra=_VERIFY_BODY,
    responses=merged(errors(400, 413, 422, 429), {422: {
        "description": "A check failed (the same report, `valid: false`), or there is nothing to verify",
        "content": {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/VerifyOut"},
                                                               {"$ref": "#/components/schemas/ErrorBody"}]}}}}}),
)
async def verify_api(request: Request) -> Response:
    limit_client(request)
    bundle, media, _csrf = await _uploads(request)  # read-only and anonymous: no CSRF needed
    result = await _check(request, bundle, media)
    failed = result["mode"] == "bundle" and not result["report"]["valid"]
    return JSONResponse(result, status_code=422 if failed else 200)  # as the form: 422 when a check fails


@router.get("/api/v1/works/{work_id}/rights", tags=["rights"], summary="The work's rights certificate",
            response_model=CertificateOut, responses=READ)
def certificate_api(request: Request, work_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        return require_certificate(conn, work_id).to_json()


@router.post(
    "/api/v1/works/{work_id}/rights", status_code=201, tags=["rights"],
    summary="Register the work: sign its claim, log it, checkpoint it", response_model=CertificateOut,
    responses=merged(WRITE, errors(502)),
)
def register_api(
    request: Request, work_id: str,
    licence: str | None = Query(None, json_schema_extra={"enum": list(LICENCES)}),
    terms: str = Query("", description="the terms of a custom licence"), user: User = Depends(require_user),
) -> dict[str, Any]:
    check_csrf(request, None)
    chosen = None if licence is None else _licence(licence, terms)
    return register_work(platform_of(request), user, work_id, chosen, fingerprints=claim_fingerprints).to_json()
