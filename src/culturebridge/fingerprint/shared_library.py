"""The platform's fingerprint library: every stored `ok` fingerprint, ready to match against.

Built from the `fingerprints` rows, kept in this process and saved under
`<data_dir>/indexes/fingerprint/<signature>/` (or, when media live in an object store, as
`indexes/fingerprint/<signature>.tar` in the shared files, so a new process on any machine
loads it and only adds the rows written since); the signature (an XOR of one digest per
stored row) tells when the saved copy is stale. New rows are added to a loaded copy; a
removed or replaced row makes a full rebuild from the database.
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
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from culturebridge.catalog import Asset
from culturebridge.errors import Error
from culturebridge.fingerprint._tables import fingerprint_library, fingerprints
from culturebridge.ids import as_utc, now
from culturebridge.platform import Platform
from culturebridge.storage.shared import LocalSharedFiles

if TYPE_CHECKING:
    from culturebridge.fingerprint.matcher import Fingerprint, Library, Loader

_LIB_FORMAT = "culturebridge.fingerprint-db-library/1"
SHARED_INDEX = "indexes/fingerprint"  # in the shared files when media live in an object store
SHARED_SAVE_SECONDS = 30.0


CATCH_UP_MARGIN = timedelta(seconds=30)  # commit lag and clock skew between writing processes
FULL_CHECK_SECONDS = 60.0  # the every-row signature check, at most this often per process


@dataclass
class _Loaded:
    library: Library
    stamps: dict[str, str]  # asset_id -> computed_at (ISO) of the row it was built from
    signature: str
    checked_at: datetime | None = None  # this process's clock when the database was last read
    full_check: float = 0.0  # time.monotonic() of the last every-row check


library_lock = threading.RLock()  # guards _loaded and matching (a Library is not thread-safe)
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


def _loader(platform: Platform) -> Loader:
    """Reads stored fingerprints by asset id: the library keeps only its lookup structures."""

    def load(asset_ids: list[str]) -> dict[str, bytes]:
        with platform.db.read() as conn:
            return {asset_id: data for _, asset_id, _, data in _db_rows(conn, asset_ids)}

    return load


def _new_library(platform: Platform, rows: list[tuple[str, str, str, bytes]]) -> Library:
    from culturebridge.fingerprint.matcher import Library

    return Library.from_rows(rows, _loader(platform), platform.settings.fingerprint_cache_entries)


def _load_saved(root: Path, platform: Platform) -> _Loaded | None:
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
            library = Library.load(folder, _loader(platform), platform.settings.fingerprint_cache_entries)
            return _Loaded(library, stamps, _signature(stamps))
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
    """The library of every `ok` fingerprint row: this process's copy, the saved one, or rebuilt.

    A copy already in this process catches up cheaply on each call: the number of `ok` rows
    (kept by database triggers, not counted), the keys of the rows written since its last look
    (minus CATCH_UP_MARGIN), and the bytes of those it does not have yet, which are added
    without a rebuild; only a row replaced or removed (or a count that does not add up) costs
    the every-row signature check, which also runs at most every FULL_CHECK_SECONDS regardless.
    """
    root = index_dir(platform)
    key = str(root.resolve())
    with library_lock:
        current = _loaded.get(key)
        if current is not None and time.monotonic() - current.full_check < FULL_CHECK_SECONDS \
                and _catch_up(platform, current):
            return current.library
        return _full_load(platform, root, key, current)


def _catch_up(platform: Platform, current: _Loaded) -> bool:
    """Add the rows written since `current` last looked; False when that is not enough (a row
    replaced or removed, or one the window missed), so the caller does the every-row check."""
    from culturebridge.fingerprint.matcher import Fingerprint

    if current.checked_at is None:
        return False
    started = now()
    ok = fingerprints.c.status == "ok"
    with platform.db.read() as conn:
        # Kept by triggers (migration 0020): O(1), where counting the rows is linear.
        count = int(conn.execute(select(fingerprint_library.c.ok_rows)).scalar_one())
        # The window's keys first: its rows are mostly known already (this process's own, or
        # ones an earlier call added), and their fingerprint bytes need not travel again.
        recent = conn.execute(
            select(fingerprints.c.asset_id, fingerprints.c.computed_at)
            .where(ok, fingerprints.c.computed_at >= current.checked_at - CATCH_UP_MARGIN)
        ).all()
        stamped = ((r.asset_id, _stamp(r.computed_at)) for r in recent)
        fresh = {asset: stamp for asset, stamp in stamped if current.stamps.get(asset) != stamp}
        if any(a in current.stamps for a in fresh) or count != len(current.stamps) + len(fresh):
            return False
        rows = conn.execute(
            select(fingerprints.c.work_id, fingerprints.c.asset_id, fingerprints.c.kind, fingerprints.c.data,
                   fingerprints.c.computed_at)
            .where(ok, fingerprints.c.asset_id.in_(list(fresh)))
        ).all() if fresh else []
    if sorted((r.asset_id, _stamp(r.computed_at)) for r in rows) != sorted(fresh.items()):
        return False  # replaced between the two reads: the every-row check sorts it out
    signature = int(current.signature, 16)
    for r in rows:
        current.library.add(r.work_id, r.asset_id, Fingerprint.from_bytes(r.kind, bytes(r.data)))
        current.stamps[r.asset_id] = fresh[r.asset_id]
        signature ^= _digest(r.asset_id, fresh[r.asset_id])
    current.checked_at = started
    if rows:
        current.signature = f"{signature:032x}"
        _save_either(platform, current, throttled=True)
    return True


def _full_load(platform: Platform, root: Path, key: str, current: _Loaded | None) -> Library:
    """Check every row's stamp against `current` (or the saved copy); add or rebuild."""
    from culturebridge.fingerprint.matcher import Fingerprint

    started = now()
    with platform.db.read() as conn:
        wanted = _db_stamps(conn)
    signature = _signature(wanted)
    if current is not None and current.signature == signature:
        current.checked_at, current.full_check = started, time.monotonic()
        return current.library
    if current is None:
        current = _load_saved(root, platform) if _local(platform) else _load_shared(platform)
    changed = current is not None and any(wanted.get(a) != s for a, s in current.stamps.items())
    if current is None or changed:  # removed or replaced rows: a library cannot forget
        with platform.db.read() as conn:
            rows = _db_rows(conn, sorted(wanted))
        current = _Loaded(_new_library(platform, rows), {}, "")
        current.stamps = {a: wanted[a] for _, a, _, _ in rows if a in wanted}
    else:
        missing = sorted(set(wanted) - set(current.stamps))
        with platform.db.read() as conn:
            rows = _db_rows(conn, missing)
        for work_id, asset_id, kind, data in rows:
            current.library.add(work_id, asset_id, Fingerprint.from_bytes(kind, data))
            current.stamps[asset_id] = wanted[asset_id]
        if len(rows) > 64:  # many adds: fold them into the lookup tables at once
            current.library.rebuild()
    current.signature = _signature(current.stamps)
    current.checked_at, current.full_check = started, time.monotonic()
    _save_either(platform, current)
    _loaded[key] = current
    return current.library


_last_local_save = 0.0


def _save_either(platform: Platform, loaded: _Loaded, *, throttled: bool = False) -> None:
    """Save the copy for the next process; `throttled` (a catch-up) saves a local copy at most
    every SHARED_SAVE_SECONDS too: a saved copy a little stale only means a longer catch-up."""
    global _last_local_save
    if not _local(platform):
        _save_shared(platform, loaded)
    elif not throttled or time.monotonic() - _last_local_save >= SHARED_SAVE_SECONDS:
        _save(index_dir(platform), loaded)
        _last_local_save = time.monotonic()


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
            loaded = _load_saved(Path(tmp) / "lib", platform)
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


def remember(platform: Platform, asset: Asset, fp: Fingerprint, stamp: datetime) -> None:
    """Add a just-stored fingerprint to this process's copy (not saved: the next load catches up)."""
    key = str(index_dir(platform).resolve())
    with library_lock:
        current = _loaded.get(key)
        if current is None or asset.id in current.stamps:
            return  # replaced rows make the next load rebuild
        current.library.add(asset.work_id, asset.id, fp)
        current.stamps[asset.id] = _stamp(stamp)
        # The signature is an XOR of one digest per row: one more row is one more XOR.
        current.signature = f"{int(current.signature, 16) ^ _digest(asset.id, current.stamps[asset.id]):032x}"


@dataclass(frozen=True)
class Seen:
    """What this process's library held when a search ran (see `missed_since`)."""

    loaded: _Loaded | None
    count: int  # rows it held then: `stamps` keeps insertion order, so later rows come after
    since: datetime


def searched(platform: Platform) -> tuple[Library, Seen]:
    """The platform library for one search, and a record of what it held (call under `library_lock`)."""
    started = now()
    library = platform_library(platform)
    current = _loaded.get(str(index_dir(platform).resolve()))
    return library, Seen(current, len(current.stamps) if current is not None else 0, started)


def missed_since(platform: Platform, seen: Seen, own_asset: str) -> Library | None:
    """The rows stored since `seen` that its search could not have seen, as a small library.

    Two workers (or threads, or Ray tasks) fingerprinting a copy and its original at the same
    moment each search a library without the other's row. Each checks again after storing
    its own row: the second to commit always finds the first's, so the pair is found once at
    least (and recorded once: conflicts are written by key). None when nothing was missed.
    """
    from culturebridge.fingerprint.matcher import Library

    with platform.db.read() as conn:
        recent = conn.execute(
            select(fingerprints.c.asset_id, fingerprints.c.computed_at)
            .where(fingerprints.c.status == "ok", fingerprints.c.computed_at >= seen.since - CATCH_UP_MARGIN,
                   fingerprints.c.asset_id != own_asset)
        ).all()
    if not recent:
        return None
    with library_lock:
        stamps = seen.loaded.stamps if seen.loaded is not None else {}
        later = set(islice(reversed(stamps), max(0, len(stamps) - seen.count)))
        unknown = sorted(r.asset_id for r in recent
                         if r.asset_id in later or stamps.get(r.asset_id) != _stamp(r.computed_at))
    if not unknown:
        return None
    with platform.db.read() as conn:
        rows = _db_rows(conn, unknown)
    return Library.from_rows(rows) if rows else None

