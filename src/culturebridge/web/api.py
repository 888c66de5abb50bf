"""The JSON API under /api/v1: everything the studio does, for scripts and client apps."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel, Field

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import DERIVATION_KINDS, WORK_KINDS, CanonCard, NewWork, Work
from culturebridge.errors import JobNotFound
from culturebridge.jobs import Job, concerns, get_job, ingest_file, list_jobs
from culturebridge.pipeline import statuses
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.contract import BODY, LIST, READ, WRITE, errors, merged
from culturebridge.web.lineage_svg import is_private, viewable

router = APIRouter(prefix="/api/v1", tags=["catalog"])
MAX_OFFSET = 10_000_000  # deeper pages are refused with 422 (an offset past 2**63 made the database fail)


# What `catalog` accepts, stated in the schema so clients (and the fuzzer) can see it; the
# catalog still validates, with its own messages.
LANG_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"  # BCP 47 language tags as the catalog takes them (RFC 5646 §2.1)
MARKET = r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"  # ISO 3166-1 country / language


def _texts_schema(max_len: int, *, at_least_one: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"propertyNames": {"pattern": LANG_TAG},
                              "additionalProperties": {"type": "string", "maxLength": max_len}}
    if at_least_one:
        schema["minProperties"] = 1
        schema["additionalProperties"]["pattern"] = r"\S"
    return schema


class WorkIn(BaseModel):
    kind: str = Field(description="the kind of work", json_schema_extra={"enum": list(WORK_KINDS)})
    original_language: str = Field(description="BCP 47 language tag, e.g. zh", json_schema_extra={"pattern": LANG_TAG})
    titles: dict[str, str] = Field(description="title by language tag; at least one",
                                   json_schema_extra=_texts_schema(300, at_least_one=True))
    synopses: dict[str, str] = Field(default={}, json_schema_extra=_texts_schema(20_000, at_least_one=False))
    rights_holder: str = Field(default="", json_schema_extra={"maxLength": 200})
    ip: str | None = Field(default=None, description="name of the IP the work belongs to")
    markets: list[str] = Field(default=[], description="COUNTRY/lang entries, e.g. US/en",
                               json_schema_extra={"items": {"type": "string", "pattern": MARKET}})
    ai_generated: bool = False
    derived_from: str | None = Field(default=None, description="source work id for a derivative")
    derivation: str = Field(default="ai-adaptation", json_schema_extra={"enum": list(DERIVATION_KINDS)})
    tool: str | None = None

    def to_new(self) -> NewWork:
        return NewWork(
            kind=self.kind,
            original_language=self.original_language,
            titles=self.titles,
            synopses=self.synopses,
            rights_holder=self.rights_holder,
            ip_name=self.ip,
            markets=self.markets,
            ai_generated=self.ai_generated,
        )


class MeOut(BaseModel):
    id: str
    username: str
    role: str = Field(description="admin, creator, reviewer or viewer")
    display_name: str


class WorkOut(BaseModel):
    id: str
    kind: str
    original_language: str
    titles: dict[str, str]
    synopses: dict[str, str]
    owner_id: str
    rights_holder: str
    ip_id: str | None
    markets: list[str]
    ai_generated: bool
    created_at: datetime
    updated_at: datetime


# The catalogue's and queue's own dataclasses are the response models (FastAPI reads them):
# one definition of each shape.
AssetOut = catalog.Asset


class StageState(BaseModel):
    state: str = Field(description="pending, running, done, failed or skipped")
    detail: str | None


class DerivationOut(BaseModel):
    id: str
    source_id: str
    derived_id: str
    kind: str
    tool: str | None
    ai_generated: bool
    created_at: datetime


class WorkDetail(WorkOut):
    assets: list[AssetOut]
    stages: dict[str, StageState] = Field(description="each pipeline stage's state, in pipeline order")
    derived_from: list[DerivationOut]


class LineageNode(BaseModel):
    title: dict[str, str] = Field(description="titles by language; empty for a private work")
    kind: str
    ai_generated: bool
    private: bool = Field(description="a work the caller may not view, named only by a placeholder id")


class LineageOut(BaseModel):
    work: str
    ancestors: list[str]
    descendants: list[str]
    nodes: dict[str, LineageNode]
    edges: list[DerivationOut]


class IPSummary(BaseModel):
    name: str
    titles: dict[str, str]
    protection: str


JobOut = Job


# A canon card is a nested document (era, setting, characters, facts, ...) that
# `catalog.CanonCard.from_dict` validates; the API passes it through as one JSON object.
CanonCardJson = dict[str, Any]


def work_out(work: Work) -> dict[str, Any]:
    data = asdict(work)
    data["markets"] = list(work.markets)
    return data


def _writing(request: Request) -> None:
    """API writes with a session cookie need the CSRF header; bearer tokens do not."""
    check_csrf(request, None)


@router.get("/me", summary="The calling account", response_model=MeOut, responses=errors(401))
def me(user: User = Depends(require_user)) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role, "display_name": user.display_name}


@router.get("/works", summary="List works visible to the caller", response_model=list[WorkOut], responses=LIST)
def list_works(
    request: Request,
    q: str = Query("", max_length=200),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    user: User = Depends(require_user),
) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        return [work_out(w) for w in catalog.list_works(conn, user, query=q, limit=limit, offset=offset)]


@router.post("/works", status_code=201, summary="Create a work", response_model=WorkOut, responses=merged(WRITE, BODY))
def create_work(request: Request, body: WorkIn, user: User = Depends(require_user)) -> dict[str, Any]:
    _writing(request)
    with platform_of(request).db.write() as conn:
        work = catalog.create_work(conn, user, body.to_new())
        if body.derived_from:
            catalog.add_derivation(conn, user, body.derived_from, work.id, body.derivation, body.tool, body.ai_generated)
    return work_out(work)


@router.get("/works/{work_id}", summary="One work with its assets and pipeline state", response_model=WorkDetail,
            responses=READ)
def get_work(request: Request, work_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        data = work_out(work)
        data["assets"] = [asdict(a) for a in catalog.list_assets(conn, work_id)]
        data["stages"] = {s.stage: {"state": s.state, "detail": s.detail} for s in statuses(conn, work_id)}
        data["derived_from"] = [asdict(d) for d in catalog.sources_of(conn, work_id)]
    return data


@router.put("/works/{work_id}", summary="Replace a work's descriptive fields", response_model=WorkOut, responses=merged(WRITE, BODY))
def update_work(request: Request, work_id: str, body: WorkIn, user: User = Depends(require_user)) -> dict[str, Any]:
    _writing(request)
    with platform_of(request).db.write() as conn:
        return work_out(catalog.update_work(conn, user, work_id, body.to_new()))


@router.post("/works/{work_id}/assets", status_code=201, summary="Upload a media file to a work",
             response_model=AssetOut, responses=merged(WRITE, BODY))
def upload_asset(
    request: Request, work_id: str, file: UploadFile = File(...), user: User = Depends(require_user)
) -> dict[str, Any]:
    _writing(request)
    asset = ingest_file(platform_of(request), user, work_id, file.file, file.filename or "upload")
    return asdict(asset)


@router.get("/works/{work_id}/lineage", summary="Ancestors, descendants and edges around a work",
            response_model=LineageOut, responses=READ)
def get_lineage(request: Request, work_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        graph = viewable(catalog.lineage(conn, work_id), user)
    return {
        "work": work_id,
        "ancestors": graph.ancestors(),
        "descendants": graph.descendants(),
        "nodes": {wid: {"title": w.titles, "kind": w.kind, "ai_generated": w.ai_generated, "private": is_private(wid)}
                  for wid, w in graph.works.items()},
        "edges": [asdict(e) for e in graph.edges],
    }


@router.get("/ips", summary="List IPs", response_model=list[IPSummary], responses=errors(401))
def list_ips(request: Request, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        return [{"name": i.name, "titles": i.titles, "protection": i.canon.protection} for i in catalog.list_ips(conn)]


@router.post("/ips", status_code=201, summary="Register an IP from a canon card", response_model=CanonCardJson,
             responses=merged(WRITE, BODY))
def add_ip(request: Request, card: dict[str, Any], user: User = Depends(require_user)) -> dict[str, Any]:
    _writing(request)
    with platform_of(request).db.write() as conn:
        return catalog.add_ip(conn, user, CanonCard.from_dict(card)).canon.to_dict()


@router.get("/ips/{name}", summary="An IP's canon card", response_model=CanonCardJson, responses=READ)
def get_ip(request: Request, name: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        return catalog.get_ip(conn, name).canon.to_dict()


@router.put("/ips/{name}", summary="Replace an IP's canon card", response_model=CanonCardJson, responses=merged(WRITE, BODY))
def put_ip(request: Request, name: str, card: dict[str, Any], user: User = Depends(require_user)) -> dict[str, Any]:
    _writing(request)
    with platform_of(request).db.write() as conn:
        return catalog.update_canon(conn, user, name, CanonCard.from_dict(card)).canon.to_dict()


@router.get("/jobs", summary="Recent background jobs", response_model=list[JobOut], responses=errors(401))
def jobs(request: Request, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        return [asdict(j) for j in list_jobs(conn, for_owner=job_scope(user))]


@router.get("/jobs/{job_id}", summary="One job with its progress", response_model=JobOut, responses=READ)
def job(request: Request, job_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        found = get_job(conn, job_id)
        scope = job_scope(user)
        if scope is not None and not concerns(conn, found, scope):
            raise JobNotFound(job_id)  # the same answer as a missing job: ids are not confirmed
        return asdict(found)


def job_scope(user: User) -> str | None:
    """Creators see only jobs about their own works (or that they queued); staff see all."""
    return user.id if user.role == "creator" else None


__all__ = ["router"]
