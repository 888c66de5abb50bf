"""Backups of a data directory taken while the platform runs, and restores into a fresh one.

Order gives consistency without stopping writers: the database is copied first — SQLite
through its online backup API (a consistent snapshot even while other connections write),
PostgreSQL with `pg_dump` (one transaction snapshot) — and the media afterwards. A caller
may read the copied snapshot itself (`snapshot_reader`): for SQLite the copy's file, for
PostgreSQL a REPEATABLE READ transaction whose snapshot is exported
(`pg_export_snapshot()`) and handed to `pg_dump --snapshot`, so what the reader sees is
exactly what the dump holds, row for row, however many writers run meanwhile. Blobs are
immutable and named by their SHA-256, and only `sweep` deletes unreferenced ones, so every
blob the snapshot refers to is still there when the media are copied. Keys and the
settings file are copied as they are (0700/0600 kept).

A backup folder holds `manifest.json`, `culturebridge.db` or `database.dump`, `media/`,
`keys/`, and the data directory's `culturebridge.toml` when there is one.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from culturebridge.errors import ConfigurationError, Conflict, ExternalServiceError, InvalidInput
from culturebridge.ids import now
from culturebridge.settings import CONFIG_FILE, Settings
from culturebridge.storage.database import Database

MANIFEST = "manifest.json"
SQLITE_FILE = "culturebridge.db"
PG_DUMP_FILE = "database.dump"
MARKER = ".culturebridge"
FORMAT = 1


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    database: str  # "sqlite" or "postgresql"
    media_files: int
    key_files: int
    snapshot: Any = None  # what `snapshot_reader` returned for the copied snapshot


SnapshotReader = Callable[[Connection], Any]


def backup(settings: Settings, out: Path, extra: dict[str, Any] | None = None,
           snapshot_reader: SnapshotReader | None = None) -> BackupReport:
    """Copy the database (consistent snapshot), then media, keys and settings into `out` (new)."""
    if out.exists() and any(out.iterdir()):
        raise Conflict(f"{out} exists and is not empty", hint="back up into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        kind = "sqlite"
        _sqlite_backup(Path(url.database or ""), out / SQLITE_FILE)
        seen = _read_sqlite_copy(out / SQLITE_FILE, snapshot_reader) if snapshot_reader else None
    else:
        kind = "postgresql"
        seen = _pg_dump(settings.resolved_database_url, out / PG_DUMP_FILE, snapshot_reader)
    media = _copy_tree(settings.resolved_media_dir, out / "media", skip={"tmp"})
    keys = _copy_tree(settings.keys_dir, out / "keys")
    (out / "keys").chmod(0o700)
    if (settings.data_dir / CONFIG_FILE).exists():
        shutil.copy2(settings.data_dir / CONFIG_FILE, out / CONFIG_FILE)
    manifest = {"format": FORMAT, "created_at": now().isoformat(), "database": kind, "media_files": media,
                "key_files": keys, **(extra or {})}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return BackupReport(out, kind, media, keys, seen)


def _require_empty_postgres(url: str) -> None:
    db = Database.open(url)
    try:
        with db.read() as conn:
            tables = conn.execute(text("SELECT count(*) FROM information_schema.tables "
                                       "WHERE table_schema = current_schema()")).scalar_one()
    finally:
        db.close()
    if tables:
        raise Conflict(f"the PostgreSQL database holds {tables} tables already",
                       hint="restore into a new, empty database (createdb)")


def _read_sqlite_copy(copy: Path, reader: SnapshotReader) -> Any:
    db = Database.open(f"sqlite:///{copy}")
    try:
        with db.read() as conn:
            return reader(conn)
    finally:
        db.close()


def _pg_dump(url: str, target: Path, reader: SnapshotReader | None) -> Any:
    """`pg_dump` of the snapshot a REPEATABLE READ transaction exports (read by `reader` first)."""
    if shutil.which("pg_dump") is None:
        raise ExternalServiceError("pg_dump is not installed", hint="install the PostgreSQL client tools")
    db = Database.open(url)
    try:
        with db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                seen = reader(conn) if reader else None
                # The exported snapshot stays importable while this transaction is open.
                _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}",
                      _libpq(make_url(url))], "pg_dump")
        return seen
    finally:
        db.close()


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{folder} is not a culturebridge backup ({MANIFEST} unreadable: {exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(f"{folder / MANIFEST} is not a backup manifest of format {FORMAT}")
    return data


def restore(folder: Path, settings: Settings) -> dict[str, Any]:
    """Restore a backup into the (new or empty) data directory of `settings`; return its manifest."""
    manifest = read_manifest(folder)
    data_dir = settings.data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        raise Conflict(f"{data_dir} is not empty", hint="restore into a new data directory")
    data_dir.mkdir(parents=True, exist_ok=True)
    if (folder / CONFIG_FILE).exists() and not settings.database_url:
        shutil.copy2(folder / CONFIG_FILE, data_dir / CONFIG_FILE)
    url = make_url(settings.resolved_database_url)
    if manifest["database"] == "sqlite":
        if url.get_backend_name() != "sqlite":
            raise ConfigurationError("this backup holds a SQLite database", hint="restore it without database_url")
        _sqlite_backup(folder / SQLITE_FILE, Path(url.database or ""))
    else:
        if url.get_backend_name() != "postgresql":
            raise ConfigurationError("this backup holds a PostgreSQL dump",
                                     hint="set database_url to an empty PostgreSQL database")
        _require_empty_postgres(settings.resolved_database_url)
        _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(folder / PG_DUMP_FILE)],
             "pg_restore")
    _copy_tree(folder / "media", settings.resolved_media_dir)
    _copy_tree(folder / "keys", settings.keys_dir)
    settings.keys_dir.chmod(0o700)
    (data_dir / MARKER).write_text("culturebridge data directory\n", encoding="utf-8")
    return manifest


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise ConfigurationError(f"database file {source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=4096)  # copies in steps; restarts on its own when a writer changes a page
    finally:
        dst.close()
        src.close()


def _copy_tree(source: Path, target: Path, skip: frozenset[str] | set[str] = frozenset()) -> int:
    count = 0
    if not source.exists():
        return 0
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts and rel.parts[0] in skip:
            continue
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            count += 1
    return count


def _libpq(url: Any) -> str:
    plain = url.set(drivername="postgresql")
    return str(plain.render_as_string(hide_password=False))


def _run(argv: list[str], tool: str) -> None:
    if shutil.which(argv[0]) is None:
        raise ExternalServiceError(f"{tool} is not installed", hint="install the PostgreSQL client tools")
    done = subprocess.run(argv, capture_output=True, check=False, timeout=3600)
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExternalServiceError(f"{tool} failed: {lines[-1] if lines else 'no message'}")
