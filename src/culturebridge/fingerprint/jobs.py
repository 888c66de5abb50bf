"""The fingerprint stage on the platform: fingerprint each ingested asset, record conflicts.

`fingerprint-asset` (queued for every ingested asset) computes the asset's fingerprint from
the media store, stores it (or why it failed: undecodable, bomb, no frames — the asset
stays), matches it against every OTHER work's assets and records each match as a conflict
that the matched work's rights holder decides (licensed / infringing / false match). A match
with a work in the asset's declared lineage is recorded as already licensed.

The platform's `Library` is built from the `fingerprints` rows, kept in this process and
saved under `<data_dir>/indexes/fingerprint/<signature>/` (or, when media live in an object
store, as `indexes/fingerprint/<signature>.tar` in the shared files, so a new process on any
machine loads it and only adds the rows written since); the signature (an XOR of one
digest per stored row) tells when the saved copy is stale. New rows are added to a loaded
copy; a removed or replaced row makes a full rebuild from the database.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, func, or_, select

from culturebridge.accounts.users import User
from culturebridge.catalog import Asset, get_asset, get_work
from culturebridge.catalog.lineage import ancestors_of, lineage
from culturebridge.errors import ConflictNotFound, Error, InvalidInput, MediaStoreUnavailable, PermissionDenied
from culturebridge.fingerprint._tables import fingerprint_conflicts, fingerprints
from culturebridge.ids import as_utc, new_id, now
from culturebridge.pipeline.status import set_status
from culturebridge.pipeline.worker import Handler, Progress
from culturebridge.platform import Platform
from culturebridge.storage.shared import LocalSharedFiles

if TYPE_CHECKING:
    from culturebridge.fingerprint.matcher import Fingerprint, Library, Match

JOB_KIND = "fingerprint-asset"
Status = Literal["ok", "unmatchable", "unsupported", "failed"]
STATES = ("open", "licensed", "infringing", "false-match")
DECISIONS = ("licensed", "infringing", "false-match")
MATCH_LIMIT = 50  # matches considered per asset (its own work's are dropped after lookup)
_LINEAGE = "lineage"  # decided_by of conflicts settled by a declared derivation
_LIB_FORMAT = "culturebridge.fingerprint-db-library/1"
SHARED_INDEX = "indexes/fingerprint"  # in the shared files when media live in an object store
SHARED_SAVE_SECONDS = 30.0


@dataclass(frozen=True)
class StoredFingerprint:
    """An asset's fingerprint row, without the bytes."""

    asset_id: str
    work_id: str
    kind: str | None
    status: str
    reason: str | None
    computed_at: datetime


@dataclass(frozen=True)
class ConflictRecord:
    """An asset found to copy another work's asset, and the rights holder's decision."""

    id: str
    asset_id: str
    work_id: str
    matched_asset_id: str
    matched_work_id: str
    kind: str
    score: float
    span: dict[str, Any] | None
    state: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamps ISO 8601)."""
        return {
            "id": self.id,
            "asset_id": self.asset_id,
            "work_id": self.work_id,
            "matched_asset_id": self.matched_asset_id,
            "matched_work_id": self.matched_work_id,
            "kind": self.kind,
            "score": self.score,
            "span": self.span,
            "state": self.state,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "created_at": self.created_at.isoformat(),
        }


# --- the job ----------------------------------------------------------------------------


def handler(platform: Platform) -> Handler:
    """The `fingerprint-asset` job handler: params {"asset_id", "work_id"}."""

    def handle(params: dict[str, Any], progress: Progress) -> str:
        asset_id = params.get("asset_id")
        if not isinstance(asset_id, str):
            raise InvalidInput("fingerprint-asset job needs an asset_id")
        return fingerprint_asset(platform, asset_id)

    return handle


def _compute(platform: Platform, asset: Asset) -> tuple[Fingerprint | None, Status, str | None]:
    from culturebridge.fingerprint.matcher import unmatchable_reason
    from culturebridge.fingerprint.scan import fingerprint_path, guarded, kind_for_media_type

    kind = kind_for_media_type(asset.media_type)
    if kind is None:
        return None, "unsupported", f"{asset.media_type} files are not fingerprinted"
    try:
        with platform.media.local_file(asset.storage_key) as path:
            fp = guarded(
                asset.original_name,
                lambda: fingerprint_path(path, kind, asset.original_name,
                                         max_pixels=platform.settings.max_image_pixels),
            )
    except MediaStoreUnavailable:
        raise  # the store's fault, not the file's: the job fails and can be retried
    except Error as exc:
        return None, "failed", exc.diagnostic()[:2000]
    reason = unmatchable_reason(fp)
    return fp, ("unmatchable" if reason else "ok"), reason


def fingerprint_asset(platform: Platform, asset_id: str) -> str:
    """Fingerprint one stored asset, store it, record conflicts; returns a one-line summary."""
    from culturebridge.fingerprint.scan import guarded

    with platform.db.read() as conn:
        asset = get_asset(conn, asset_id)
        related = _related_works(conn, asset.work_id)
    fp, status, reason = _compute(platform, asset)
    matches: list[Match] = []
    if fp is not None and status == "ok":
        with _lock:  # worker threads share the process's library; adds must not race a search
            library, query = platform_library(platform), fp
            found = guarded(asset.original_name, lambda: library.match(query, limit=MATCH_LIMIT))
        matches = _best_per_asset(m for m in found if m.work_id != asset.work_id and m.asset_id != asset.id)
    with platform.db.write() as conn:
        try:
            get_asset(conn, asset.id)
        except Error:
            return f"{asset.original_name}: deleted while fingerprinting"
        stamp = _store(conn, asset, fp, status, reason)
        for m in matches:
            _record_conflict(conn, asset, m, licensed=m.work_id in related)
        set_status(conn, asset.work_id, "fingerprint", _work_state(conn, asset.work_id), _summary(conn, asset.work_id))
    if fp is not None and status == "ok":
        _remember(platform, asset, fp, stamp)
    message = f"{asset.original_name}: {status}" + (f" ({reason})" if reason else "")
    if matches:
        message += "; matches " + ", ".join(f"{m.work_id}/{m.asset_id} ({m.score:.2f})" for m in matches)
    return message


def _related_works(conn: Connection, work_id: str) -> set[str]:
    """Works in the declared lineage of `work_id` (its sources and derivatives)."""
    graph = lineage(conn, work_id)
    return set(graph.ancestors()) | set(graph.descendants()) | set(ancestors_of(conn, work_id))


def _best_per_asset(found: Iterable[Match]) -> list[Match]:
    best: dict[str, Match] = {}
    for m in found:
        if m.asset_id not in best or m.score > best[m.asset_id].score:
            best[m.asset_id] = m
    return sorted(best.values(), key=lambda m: -m.score)


def _store(conn: Connection, asset: Asset, fp: Fingerprint | None, status: str, reason: str | None) -> datetime:
    stamp = now()
    values = {
        "work_id": asset.work_id,
        "kind": fp.kind if fp is not None else None,
        "status": status,
        "data": fp.to_bytes() if fp is not None else None,
        "reason": reason,
        "computed_at": stamp,
    }
    key = fingerprints.c.asset_id == asset.id
    if conn.execute(select(fingerprints.c.asset_id).where(key)).first():
        conn.execute(fingerprints.update().where(key).values(**values))
    else:
        conn.execute(fingerprints.insert().values(asset_id=asset.id, **values))
    return stamp


def _span(m: Match) -> dict[str, Any] | None:
    if m.span is None:
        return None
    s = m.span
    return {
        "query_start": s.query_start,
        "query_end": s.query_end,
        "reference_start": s.reference_start,
        "reference_end": s.reference_end,
        "unit": s.unit,
    }


def _record_conflict(conn: Connection, asset: Asset, m: Match, *, licensed: bool) -> None:
    key = (fingerprint_conflicts.c.asset_id == asset.id) & (fingerprint_conflicts.c.matched_asset_id == m.asset_id)
    existing = conn.execute(select(fingerprint_conflicts.c.id).where(key)).first()
    if existing is not None:  # re-fingerprinted: refresh the evidence, keep the decision
        conn.execute(fingerprint_conflicts.update().where(key).values(score=m.score, span=_span(m), kind=m.kind))
        return
    conn.execute(
        fingerprint_conflicts.insert().values(
            id=new_id("fpc"),
            asset_id=asset.id,
            work_id=asset.work_id,
            matched_asset_id=m.asset_id,
            matched_work_id=m.work_id,
            kind=m.kind,
            score=m.score,
            span=_span(m),
            state="licensed" if licensed else "open",
            decided_by=_LINEAGE if licensed else None,
            decided_at=now() if licensed else None,
            created_at=now(),
        )
    )


def _work_state(conn: Connection, work_id: str) -> str:
    rows = conn.execute(select(fingerprints.c.status).where(fingerprints.c.work_id == work_id))
    return "failed" if any(r.status == "failed" for r in rows) else "done"


def _summary(conn: Connection, work_id: str) -> str:
    counts: dict[str, int] = dict(
        conn.execute(
            select(fingerprints.c.status, func.count())
            .where(fingerprints.c.work_id == work_id)
            .group_by(fingerprints.c.status)
        ).all()
    )
    text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    open_count = conn.execute(
        select(func.count())
        .select_from(fingerprint_conflicts)
        .where(
            fingerprint_conflicts.c.state == "open",
            or_(fingerprint_conflicts.c.work_id == work_id, fingerprint_conflicts.c.matched_work_id == work_id),
        )
    ).scalar_one()
    return text + (f"; {open_count} open conflict(s)" if open_count else "")


# --- reading and deciding -----------------------------------------------------------------


def stored_fingerprints(conn: Connection, work_id: str) -> list[StoredFingerprint]:
    """The fingerprint rows of a work's assets (without the bytes)."""
    rows = conn.execute(
        select(
            fingerprints.c.asset_id,
            fingerprints.c.work_id,
            fingerprints.c.kind,
            fingerprints.c.status,
            fingerprints.c.reason,
            fingerprints.c.computed_at,
        ).where(fingerprints.c.work_id == work_id)
    )
    return [
        StoredFingerprint(r.asset_id, r.work_id, r.kind, r.status, r.reason, as_utc(r.computed_at)) for r in rows
    ]


def _conflict(row: Any) -> ConflictRecord:
    return ConflictRecord(
        row.id,
        row.asset_id,
        row.work_id,
        row.matched_asset_id,
        row.matched_work_id,
        row.kind,
        float(row.score),
        dict(row.span) if row.span else None,
        row.state,
        row.decided_by,
        as_utc(row.decided_at) if row.decided_at else None,
        as_utc(row.created_at),
    )


def list_conflicts(
    conn: Connection,
    *,
    viewer: User | None = None,
    work_id: str | None = None,
    state: str | None = None,
    limit: int = 500,
) -> list[ConflictRecord]:
    """Conflicts, newest first; a creator sees those touching works they own, admins and reviewers all."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATES)}")
    from culturebridge.storage.schema import works

    query = select(fingerprint_conflicts).order_by(fingerprint_conflicts.c.created_at.desc()).limit(limit)
    if state is not None:
        query = query.where(fingerprint_conflicts.c.state == state)
    if work_id is not None:
        query = query.where(
            or_(fingerprint_conflicts.c.work_id == work_id, fingerprint_conflicts.c.matched_work_id == work_id)
        )
    if viewer is not None and viewer.role not in ("admin", "reviewer"):
        owned = select(works.c.id).where(works.c.owner_id == viewer.id)
        query = query.where(
            or_(fingerprint_conflicts.c.matched_work_id.in_(owned), fingerprint_conflicts.c.work_id.in_(owned))
        )
    return [_conflict(r) for r in conn.execute(query)]


def can_decide(user: User, conflict: ConflictRecord, matched_owner_id: str) -> bool:
    """The matched work's rights holder (its owner) or an admin decides a conflict."""
    return user.role == "admin" or user.id == matched_owner_id


def decide_conflict(conn: Connection, actor: User, conflict_id: str, state: str) -> ConflictRecord:
    """Mark a conflict licensed, infringing or a false match (the matched work's owner or an admin)."""
    if state not in DECISIONS:
        raise InvalidInput(f"decision {state!r} is not one of {', '.join(DECISIONS)}")
    row = conn.execute(select(fingerprint_conflicts).where(fingerprint_conflicts.c.id == conflict_id)).first()
    if row is None:
        raise ConflictNotFound(conflict_id)
    record = _conflict(row)
    matched = get_work(conn, record.matched_work_id)
    if not can_decide(actor, record, matched.owner_id):
        if actor.role == "creator" and actor.id != get_work(conn, record.work_id).owner_id:
            raise ConflictNotFound(conflict_id)  # do not confirm others' conflicts exist
        raise PermissionDenied(
            f"only the rights holder of work {matched.id} or an admin decides conflict {conflict_id}"
        )
    conn.execute(
        fingerprint_conflicts.update()
        .where(fingerprint_conflicts.c.id == conflict_id)
        .values(state=state, decided_by=actor.id, decided_at=now())
    )
    set_status(conn, record.work_id, "fingerprint", _work_state(conn, record.work_id), _summary(conn, record.work_id))
    new = conn.execute(select(fingerprint_conflicts).where(fingerprint_conflicts.c.id == conflict_id)).one()
    return _conflict(new)


def claim_fingerprints(conn: Connection, assets: Any) -> dict[str, dict[str, str]]:
    """Stored fingerprints to put in a rights claim: asset SHA-256 -> {name: value}."""
    from culturebridge.fingerprint.matcher import Fingerprint

    by_id = {a.id: a for a in assets}
    if not by_id:
        return {}
    out: dict[str, dict[str, str]] = {}
    rows = conn.execute(
        select(fingerprints.c.asset_id, fingerprints.c.kind, fingerprints.c.data).where(
            fingerprints.c.asset_id.in_(list(by_id)), fingerprints.c.data.is_not(None)
        )
    )
    for r in rows:
        try:
            fp = Fingerprint.from_bytes(r.kind, bytes(r.data))
        except Error:
            continue
        names: dict[str, str] = {}
        value = fp.value
        hashes = getattr(value, "hashes", None)
        if hashes:
            names["pdq"] = hashes[0].bits.hex()
        simhash = getattr(value, "simhash", None)
        if isinstance(simhash, int):
            names["simhash64"] = f"{simhash:016x}"
        names[f"{fp.kind}-fingerprint-sha256"] = hashlib.sha256(bytes(r.data)).hexdigest()
        out[by_id[r.asset_id].sha256] = names
    return out


# --- the platform's library -----------------------------------------------------------------


@dataclass
class _Loaded:
    library: Library
    stamps: dict[str, str]  # asset_id -> computed_at (ISO) of the row it was built from
    signature: str


_lock = threading.RLock()  # guards _loaded and matching (a Library is not thread-safe)
_loaded: dict[str, _Loaded] = {}  # per index directory, this process's copy


def _digest(asset_id: str, stamp: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{asset_id}|{stamp}".encode()).digest()[:16], "big")


def _signature(stamps: dict[str, str]) -> str:
    acc = 0
    for asset_id, stamp in stamps.items():
        acc ^= _digest(asset_id, stamp)
    return f"{acc:032x}"


def _stamp(value: datetime) -> str:
    return as_utc(value).astimezone(UTC).isoformat()


def index_dir(platform: Platform) -> Path:
    """Where the platform's fingerprint library is saved."""
    return platform.settings.data_dir / "indexes" / "fingerprint"


def _db_stamps(conn: Connection) -> dict[str, str]:
    rows = conn.execute(
        select(fingerprints.c.asset_id, fingerprints.c.computed_at).where(fingerprints.c.status == "ok")
    )
    return {r.asset_id: _stamp(r.computed_at) for r in rows}


def _db_rows(conn: Connection, asset_ids: list[str]) -> list[tuple[str, str, str, bytes]]:
    out: list[tuple[str, str, str, bytes]] = []
    for start in range(0, len(asset_ids), 500):
        chunk = asset_ids[start : start + 500]
        rows = conn.execute(
            select(fingerprints.c.work_id, fingerprints.c.asset_id, fingerprints.c.kind, fingerprints.c.data).where(
                fingerprints.c.asset_id.in_(chunk), fingerprints.c.status == "ok"
            )
        )
        out.extend((r.work_id, r.asset_id, r.kind, bytes(r.data)) for r in rows)
    return out


def _load_saved(root: Path) -> _Loaded | None:
    """The newest saved library under `root`, if one is readable."""
    from culturebridge.fingerprint.matcher import Library

    try:
        folders = sorted(root.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:  # no saved copy yet, or one being replaced by another process
        return None
    for folder in folders:
        meta = folder / "stamps.json"
        if not meta.is_file():
            continue
        try:
            head = json.loads(meta.read_text(encoding="utf-8"))
            if head.get("format") != _LIB_FORMAT:
                continue
            stamps = {str(k): str(v) for k, v in head["stamps"].items()}
            return _Loaded(Library.load(folder), stamps, _signature(stamps))
        except (Error, OSError, ValueError, KeyError, AttributeError):
            continue
    return None


def _save(root: Path, loaded: _Loaded) -> None:
    """Write the library as `root/<signature>/` (atomically, by renaming a finished folder)."""
    target = root / loaded.signature
    if target.exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        loaded.library.save(tmp)
        (tmp / "stamps.json").write_text(
            json.dumps({"format": _LIB_FORMAT, "stamps": loaded.stamps}), encoding="utf-8"
        )
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    for other in root.iterdir():  # older copies are stale now
        if other != target:
            shutil.rmtree(other, ignore_errors=True)


def platform_library(platform: Platform) -> Library:
    """The library of every `ok` fingerprint row: this process's copy, the saved one, or rebuilt."""
    from culturebridge.fingerprint.matcher import Library

    root = index_dir(platform)
    key = str(root.resolve())
    with _lock:
        with platform.db.read() as conn:
            wanted = _db_stamps(conn)
        signature = _signature(wanted)
        current = _loaded.get(key)
        if current is not None and current.signature == signature:
            return current.library
        if current is None:
            current = _load_saved(root) if _local(platform) else _load_shared(platform)
        changed = current is not None and any(wanted.get(a) != s for a, s in current.stamps.items())
        if current is None or changed:  # removed or replaced rows: a library cannot forget
            with platform.db.read() as conn:
                rows = _db_rows(conn, sorted(wanted))
            current = _Loaded(Library.from_rows(rows), {}, "")
            current.stamps = {a: wanted[a] for _, a, _, _ in rows if a in wanted}
        else:
            missing = sorted(set(wanted) - set(current.stamps))
            with platform.db.read() as conn:
                rows = _db_rows(conn, missing)
            for work_id, asset_id, kind, data in rows:
                from culturebridge.fingerprint.matcher import Fingerprint

                current.library.add(work_id, asset_id, Fingerprint.from_bytes(kind, data))
                current.stamps[asset_id] = wanted[asset_id]
            current.library.rebuild()
        current.signature = _signature(current.stamps)
        if _local(platform):
            _save(root, current)
        else:
            _save_shared(platform, current)
        _loaded[key] = current
        return current.library


def _local(platform: Platform) -> bool:
    return isinstance(platform.files, LocalSharedFiles)


def _load_shared(platform: Platform) -> _Loaded | None:
    """The newest library saved in the object store (a tar of the saved folder), if readable."""
    entries = sorted(platform.files.list(SHARED_INDEX), key=lambda e: e.modified, reverse=True)
    for entry in entries:
        with tempfile.TemporaryDirectory(prefix="cb-fp-") as tmp:
            archive = Path(tmp) / "library.tar"
            try:
                if not platform.files.get(entry.name, archive):
                    continue
                with tarfile.open(archive) as tar:
                    tar.extractall(Path(tmp) / "lib", filter="data")
            except (OSError, tarfile.TarError):
                continue
            loaded = _load_saved(Path(tmp) / "lib")
            if loaded is not None:
                return loaded
    return None


_last_shared_save = 0.0


def _save_shared(platform: Platform, loaded: _Loaded) -> None:
    """Upload the library as `indexes/fingerprint/<signature>.tar` (at most every
    SHARED_SAVE_SECONDS per process: between saves, other processes catch up from the database)."""
    global _last_shared_save
    name = f"{SHARED_INDEX}/{loaded.signature}.tar"
    if time.monotonic() - _last_shared_save < SHARED_SAVE_SECONDS:
        return
    entries = platform.files.list(SHARED_INDEX)
    if any(e.name == name for e in entries):
        return
    with tempfile.TemporaryDirectory(prefix="cb-fp-") as tmp:
        folder = Path(tmp) / "lib"
        _save(folder, loaded)
        archive = Path(tmp) / "library.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(folder, arcname=".")
        platform.files.put(name, archive)
    _last_shared_save = time.monotonic()
    for entry in entries:  # older copies are stale now (a reader mid-download keeps its bytes)
        platform.files.delete(entry.name)


def _remember(platform: Platform, asset: Asset, fp: Fingerprint, stamp: datetime) -> None:
    """Add a just-stored fingerprint to this process's copy (not saved: the next load catches up)."""
    key = str(index_dir(platform).resolve())
    with _lock:
        current = _loaded.get(key)
        if current is None or asset.id in current.stamps:
            return  # replaced rows make the next load rebuild
        current.library.add(asset.work_id, asset.id, fp)
        current.stamps[asset.id] = _stamp(stamp)
        current.signature = _signature(current.stamps)
