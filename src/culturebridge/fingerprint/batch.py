"""Batch scans over a large corpus (folders or `s3://` prefixes), on a Ray cluster or in-process.

The corpus is listed once by the caller, cut into batches, and each batch runs as a Ray task
(`max_retries`: a task lost with its node runs again elsewhere). A task fingerprints its
files, matches them against the platform's library (its rows travel once through Ray's
object store, and each worker process builds the library once per scan and keeps one
database pool, so start-up is paid once per worker, not per batch), and writes one row
per file to `fingerprint_scan_results` in a single transaction that first removes the rows a
lost earlier attempt may have written: every file is reported exactly once. The caller shows
progress as tasks finish and reads the results back from the database.

Without a cluster the same batches run in this process, in order, through the same code.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import delete, select

from culturebridge.errors import Error, ExternalServiceError
from culturebridge.fingerprint._tables import scan_results
from culturebridge.fingerprint.matcher import Evidence, Library, Match, MatchSpan
from culturebridge.fingerprint.scan import (
    DEFAULT_LIMITS,
    DecodeLimits,
    ScanResult,
    fingerprint_file,
    guarded,
    iter_files,
)
from culturebridge.ids import new_id, now
from culturebridge.jobs.cluster import batches_for, cluster_cpus, run_batches, session
from culturebridge.storage import Database

BATCH = 8
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class S3Access:
    """How tasks reach `s3://` files: endpoint and region (credentials from the environment)."""

    endpoint_url: str = ""
    region: str = ""


def list_corpus(paths: Iterable[str], s3: S3Access) -> list[str]:
    """Every file to scan: local files and folders (recursively), and objects under s3:// prefixes."""
    out: list[str] = []
    for raw in paths:
        if raw.startswith("s3://"):
            out.extend(_s3_objects(raw, s3))
        else:
            out.extend(str(p) for p in iter_files([Path(raw)]))
    return out


def _s3_objects(url: str, s3: S3Access) -> Iterator[str]:
    from culturebridge.storage.s3media import parse_s3_url, s3_client

    bucket, prefix = parse_s3_url(url)
    client = s3_client(s3.endpoint_url, s3.region)
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                name = str(obj["Key"])
                if not any(part.startswith(".") for part in PurePosixPath(name).parts):
                    yield f"s3://{bucket}/{name}"
    except Exception as exc:
        raise ExternalServiceError(f"cannot list {url}: {exc}", hint="check the address and S3 settings") from exc


def _scan_source(
    source: str, library: Library, s3: S3Access, client: Any, limit: int, limits: DecodeLimits
) -> ScanResult:
    try:
        if not source.startswith("s3://"):
            fp = guarded(source, lambda: fingerprint_file(Path(source), limits=limits))
        else:
            from culturebridge.storage.s3media import parse_s3_url

            bucket, key = parse_s3_url(source)
            with tempfile.TemporaryDirectory(prefix="cb-scan-") as tmp:
                local = Path(tmp) / PurePosixPath(key).name
                try:
                    client.download_file(bucket, key, str(local))
                except Exception as exc:
                    raise ExternalServiceError(f"cannot download {source}: {exc}") from exc
                fp = guarded(source, lambda: fingerprint_file(local, limits=limits))
        matches = guarded(source, lambda: library.match(fp, limit=limit))
        return ScanResult(source, tuple(matches))
    except Error as exc:
        return ScanResult(source, error=exc.diagnostic())


def _match_json(m: Match) -> dict[str, Any]:
    span = None if m.span is None else {
        "query_start": m.span.query_start, "query_end": m.span.query_end,
        "reference_start": m.span.reference_start, "reference_end": m.span.reference_end, "unit": m.span.unit,
    }
    evidence = None if m.evidence is None else m.evidence.to_dict()
    return {"work_id": m.work_id, "asset_id": m.asset_id, "kind": m.kind, "score": m.score, "span": span,
            "evidence": evidence}  # fmt: skip


def _match_from(d: dict[str, Any]) -> Match:
    span = MatchSpan(**d["span"]) if d.get("span") else None
    evidence = Evidence.from_dict(d["evidence"]) if d.get("evidence") else None
    return Match(d["work_id"], d["asset_id"], d["kind"], float(d["score"]), span, evidence)


_libraries: dict[str, Library] = {}  # per worker process: scan id -> library built from its rows
_databases: dict[str, Database] = {}  # per worker process: one pool per database URL


def worker_database(database_url: str) -> Database:
    """This worker process's handle on the database (opened on its first task, then reused)."""
    db = _databases.get(database_url)
    if db is None:
        db = _databases[database_url] = Database.open(database_url)
    return db


def scan_batch(database_url: str, scan_id: str, rows: Sequence[tuple[str, str, str, bytes]],
               sources: Sequence[str], s3: S3Access, limit: int = 10, *, keep_pool: bool = False,
               limits: DecodeLimits = DEFAULT_LIMITS) -> int:
    """Scan some files and record one row per file (replacing rows of an earlier lost attempt)."""
    library = _libraries.get(scan_id)
    if library is None:
        _libraries.clear()
        library = _libraries[scan_id] = Library.from_rows(rows)
    client = None
    if any(s.startswith("s3://") for s in sources):
        from culturebridge.storage.s3media import s3_client

        client = s3_client(s3.endpoint_url, s3.region)
    results = [_scan_source(s, library, s3, client, limit, limits) for s in sources]
    node = f"{socket.gethostname()}:{os.getpid()}"
    db = worker_database(database_url) if keep_pool else Database.open(database_url)
    try:
        with db.write() as conn:
            conn.execute(delete(scan_results).where(scan_results.c.scan_id == scan_id,
                                                    scan_results.c.file.in_(list(sources))))
            conn.execute(scan_results.insert(), [
                {"scan_id": scan_id, "file": r.file, "matches": [_match_json(m) for m in r.matches],
                 "error": r.error, "node": node, "scanned_at": now()} for r in results
            ])
    finally:
        if not keep_pool:
            db.close()
    return len(results)


def _scan_task(sources: list[str], database_url: str, scan_id: str, rows: Sequence[tuple[str, str, str, bytes]],
               s3: S3Access, on_ray: bool, limits: DecodeLimits) -> int:
    return scan_batch(database_url, scan_id, rows, sources, s3, keep_pool=on_ray, limits=limits)


def read_results(db: Database, scan_id: str) -> list[ScanResult]:
    """A scan's recorded results, one per file, in file order."""
    with db.read() as conn:
        rows = conn.execute(select(scan_results).where(scan_results.c.scan_id == scan_id)
                            .order_by(scan_results.c.file)).all()
    return [ScanResult(r.file, tuple(_match_from(m) for m in r.matches), r.error) for r in rows]


def result_nodes(db: Database, scan_id: str) -> dict[str, int]:
    """How many files each worker (host:pid) recorded in a scan."""
    with db.read() as conn:
        rows = conn.execute(select(scan_results.c.node).where(scan_results.c.scan_id == scan_id)).all()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.node] = counts.get(r.node, 0) + 1
    return counts


def batch_scan(db: Database, database_url: str, library: Library, sources: Sequence[str], *, s3: S3Access,
               ray_address: str = "", batch: int = 0, progress: Progress | None = None,
               scan_id: str | None = None, limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[str, list[ScanResult]]:
    """Scan `sources` on the Ray cluster at `ray_address` (or in-process when empty); results
    land in the database and are returned once per file. `batch` files per task (0: about
    four tasks per CPU of the cluster, at most 64 files each)."""
    scan_id = scan_id or new_id("scan")
    rows = list(library.rows())
    with session(ray_address, "`scan --ray`"):
        parts = batches_for(list(sources), cluster_cpus(ray_address), batch or (0 if ray_address else BATCH))
        run_batches(_scan_task, parts, database_url, scan_id, rows, s3, bool(ray_address), limits,
                    ray_address=ray_address, progress=progress, feature="`scan --ray`")
    return scan_id, read_results(db, scan_id)
