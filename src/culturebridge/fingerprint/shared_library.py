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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from culturebridge.catalog import Asset
from culturebridge.errors import Error
from culturebridge.fingerprint._tables import fingerprints
from culturebridge.ids import as_utc
from culturebridge.platform import Platform
from culturebridge.storage.shared import LocalSharedFiles

if TYPE_CHECKING:
    from culturebridge.fingerprint.matcher import Fingerprint, Library

_LIB_FORMAT = "culturebridge.fingerprint-db-library/1"
SHARED_INDEX = "indexes/fingerprint"  # in the shared files when media live in an object store
SHARED_SAVE_SECONDS = 30.0


@dataclass
class _Loaded:
    library: Library
    stamps: dict[str, str]  # asset_id -> computed_at (ISO) of the row it was built from
    signature: str


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
    with library_lock:
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


def remember(platform: Platform, asset: Asset, fp: Fingerprint, stamp: datetime) -> None:
    """Add a just-stored fingerprint to this process's copy (not saved: the next load catches up)."""
    key = str(index_dir(platform).resolve())
    with library_lock:
        current = _loaded.get(key)
        if current is None or asset.id in current.stamps:
            return  # replaced rows make the next load rebuild
        current.library.add(asset.work_id, asset.id, fp)
        current.stamps[asset.id] = _stamp(stamp)
        current.signature = _signature(current.stamps)

