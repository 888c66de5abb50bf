"""HTTP routes of the log (C2SP tlog-tiles read API plus RFC 9162 proofs), as a FastAPI router.

Served against the newest signed checkpoint, so every tile a client fetches is consistent
with the checkpoint it fetched. Errors propagate as `culturebridge.errors.Error`; the web
app's one handler turns them into statuses.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from culturebridge.errors import InvalidInput, NotFound
from culturebridge.rights.log import StoredCheckpoint, TransparencyLog
from culturebridge.rights.tiles import entry_bundle, entry_range, parse_tile_path, read_tile


def _latest(log: TransparencyLog) -> StoredCheckpoint:
    checkpoint = log.latest_checkpoint()
    if checkpoint is None:
        raise NotFound("the log has no signed checkpoint yet", hint="register a work first")
    return checkpoint


class Proof(BaseModel):
    proof: list[str] = Field(description="the proof's hashes, base64, in RFC 9162 order")


class ConsistencyProof(Proof):
    from_: int = Field(alias="from")
    to: int


class InclusionProof(Proof):
    index: int
    size: int


def log_router(get_log: Callable[..., TransparencyLog], prefix: str = "/log",
               errors: Mapping[int | str, dict[str, Any]] | None = None) -> APIRouter:
    """Routes `GET {prefix}/checkpoint`, `/tile/...`, `/consistency`, `/inclusion`.

    `get_log` is a FastAPI dependency: a plain callable, or one taking the `Request`.
    `errors` documents the error answers (statuses 404 and 422) the app's handler gives.
    """
    router = APIRouter(prefix=prefix, tags=["transparency log"])
    failures: dict[int | str, dict[str, Any]] = {k: v for k, v in (errors or {}).items() if k in (404, 422)}
    log_dependency: Any = Depends(get_log)

    @router.get("/checkpoint", response_class=Response, responses={
        200: {"description": "The newest signed checkpoint (a C2SP signed note)",
              "content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}}}, **failures})
    def checkpoint(log: TransparencyLog = log_dependency) -> Response:
        note = _latest(log).note
        return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @router.get("/tile/{path:path}", response_class=Response, responses={
        200: {"description": "A hash tile or entry bundle (c2sp.org/tlog-tiles)",
              "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        **failures})
    def tile(path: str, log: TransparencyLog = log_dependency) -> Response:
        ref = parse_tile_path("tile/" + path)
        size = _latest(log).size
        if ref.level is None:
            start, end = entry_range(ref, size)
            body = entry_bundle(log.entries(start, end))
        else:
            body = read_tile(ref, size, log.read_nodes)
        # Tiles never change once served at a width (c2sp.org/tlog-tiles): cache forever.
        return Response(body, media_type="application/octet-stream",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @router.get("/consistency", response_model=ConsistencyProof, responses=failures)
    def consistency(
        old: int = Query(alias="from", ge=0, le=2**53), new: int = Query(alias="to", ge=0, le=2**53), log: TransparencyLog = log_dependency
    ) -> dict[str, object]:
        if new > _latest(log).size:
            raise InvalidInput(f"size {new} is beyond the newest checkpoint", hint="fetch the checkpoint first")
        proof = log.consistency_proof(old, new)
        return {"from": old, "to": new, "proof": [base64.b64encode(h).decode() for h in proof]}

    @router.get("/inclusion", response_model=InclusionProof, responses=failures)
    def inclusion(
        index: int = Query(ge=0, le=2**53), size: int = Query(ge=1, le=2**53), log: TransparencyLog = log_dependency
    ) -> dict[str, object]:
        if size > _latest(log).size:
            raise InvalidInput(f"size {size} is beyond the newest checkpoint", hint="fetch the checkpoint first")
        proof = log.inclusion_proof(index, size)
        return {"index": index, "size": size, "proof": [base64.b64encode(h).decode() for h in proof]}

    return router
