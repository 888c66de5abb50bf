from __future__ import annotations

import base64

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from culturebridge.errors import Error, NotFound
from culturebridge.rights.checkpoint import parse_checkpoint, verify_checkpoint
from culturebridge.rights.http import log_router
from culturebridge.rights.log import TransparencyLog
from culturebridge.rights.merkle import (
    fold_right,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from culturebridge.rights.tiles import split_entry_bundle


def _client(log: TransparencyLog) -> TestClient:
    app = FastAPI()
    app.include_router(log_router(lambda: log))

    @app.exception_handler(Error)
    def _handle(_request: Request, exc: Error) -> JSONResponse:  # what the lead's web handler does
        return JSONResponse({"error": exc.diagnostic()}, status_code=404 if isinstance(exc, NotFound) else 400)

    return TestClient(app)


def test_a_client_verifies_the_log_over_http(sqlite_log: TransparencyLog) -> None:
    client = _client(sqlite_log)
    assert client.get("/log/checkpoint").status_code == 404
    sqlite_log.append([f"entry {i}".encode() for i in range(300)])
    first = sqlite_log.sign_checkpoint()
    sqlite_log.append([b"late"])  # not yet checkpointed: not served
    note_text = client.get("/log/checkpoint").text
    assert sqlite_log.signer is not None
    cp = verify_checkpoint(parse_checkpoint(note_text), sqlite_log.signer.public_key)
    assert cp.size == 300

    # Rebuild the root from tiles alone: one full level-0 tile and a partial one of 44.
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and full.headers["cache-control"].endswith("immutable")
    partial = client.get("/log/tile/0/001.p/44").content
    assert len(full.content) == 256 * 32 and len(partial) == 44 * 32
    level1 = client.get("/log/tile/1/000.p/1").content
    assert level1 == sqlite_log.root(256)
    hashes = [partial[i : i + 32] for i in range(0, len(partial), 32)]
    tail = root_hash(hashes)  # RFC 9162 §2.1.1 over the 44 leaves of the partial tile
    assert fold_right([level1, tail]) == cp.root_hash
    entries = split_entry_bundle(client.get("/log/tile/entries/001.p/44").content)
    assert entries[0] == b"entry 256" and leaf_hash(entries[0]) == hashes[0]

    assert client.get("/log/tile/0/001").status_code == 404  # beyond the checkpoint
    assert client.get("/log/tile/0/01").status_code == 400

    proof = client.get("/log/inclusion", params={"index": 7, "size": 300}).json()["proof"]
    verify_inclusion(leaf_hash(b"entry 7"), 7, 300, [base64.b64decode(p) for p in proof], cp.root_hash)
    second = sqlite_log.sign_checkpoint()
    body = client.get("/log/consistency", params={"from": 300, "to": 301}).json()
    verify_consistency(300, 301, [base64.b64decode(p) for p in body["proof"]], first.root_hash, second.root_hash)
    assert client.get("/log/consistency", params={"from": 3, "to": 999}).status_code == 400
    assert client.get("/log/consistency", params={"from": 5, "to": 3}).status_code == 400
