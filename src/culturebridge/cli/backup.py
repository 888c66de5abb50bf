"""`culturebridge backup OUT` and `culturebridge restore IN`: a consistent copy while running, verified on restore.

The backup records, beside the copy, the row count and SHA-256 of the labelling log and the
review audit log; `restore` checks every asset's bytes against its SHA-256, recomputes the
rights log's root at its last signed checkpoint and verifies that checkpoint's signature,
and recomputes both audit logs' digests. Any mismatch is an error (exit 6).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Connection, select

from culturebridge.cli._context import console, context, print_json
from culturebridge.errors import VerificationFailed
from culturebridge.platform import Platform, open_platform
from culturebridge.storage import backup as store_backup

AUDIT_TABLES = ("label_events", "review_audit")


def audit_digests(conn: Connection) -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of each append-only audit log, rows in id order."""
    from culturebridge.pipeline import metadata  # every stage's tables

    out: dict[str, dict[str, Any]] = {}
    for name in AUDIT_TABLES:
        table = metadata.tables[name]
        digest = hashlib.sha256()
        rows = 0
        for row in conn.execute(select(table).order_by(table.c.id)):
            digest.update(json.dumps(dict(row._mapping), sort_keys=True, default=str, ensure_ascii=False).encode())
            digest.update(b"\n")
            rows += 1
        out[name] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def verify_restored(platform: Platform, manifest: dict[str, Any]) -> dict[str, Any]:
    """Check a restored platform; VerificationFailed names the first check that fails."""
    from culturebridge import catalog
    from culturebridge.rights import open_log, verify_checkpoint

    with platform.db.read() as conn:
        keys = sorted({a for a in catalog.referenced_keys(conn)})
        digests = audit_digests(conn)
    for key in keys:
        digest = hashlib.sha256()
        with platform.media.open(key) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != key:
            raise VerificationFailed("media-hash", f"blob {key} does not hash to its key")
    log = open_log(platform.db, platform.settings)
    checkpoint = log.latest_checkpoint()
    if checkpoint is not None:
        if log.root(checkpoint.size) != checkpoint.root_hash:
            raise VerificationFailed("log-root", f"the log's root at size {checkpoint.size} is not the checkpoint's")
        assert log.signer is not None
        verify_checkpoint(checkpoint.signed(), log.signer.public_key)
    if digests != manifest.get("audit"):  # read from the very snapshot that was copied, on both backends
        raise VerificationFailed("audit-logs", f"audit logs differ from the backup's record: {digests}")
    return {"assets_checked": len(keys), "log_size": checkpoint.size if checkpoint else 0, "audit": digests}


def backup_command(ctx: typer.Context, out: Path = typer.Argument(..., help="New folder to write the backup into."),
                   json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Back up the database (online snapshot), media, keys and settings into OUT, while the platform runs."""
    platform = context(ctx).platform()
    # The audit digests are read from the snapshot the backup copies (the SQLite copy, or the
    # PostgreSQL snapshot pg_dump imports), so restore can compare them exactly.
    report = store_backup.backup(platform.settings, out, snapshot_reader=audit_digests)
    manifest = store_backup.read_manifest(report.folder)
    manifest["audit"] = report.snapshot
    (report.folder / store_backup.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if json_out:
        print_json(manifest)
    else:
        console.print(f"backed up {report.database} database, {report.media_files} media files and "
                      f"{report.key_files} key files into {report.folder}")


def restore_command(ctx: typer.Context, source: Path = typer.Argument(..., help="A folder made by `culturebridge backup`."),
                    json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Restore a backup into a new data directory (--data-dir) and verify it: hashes, log root, audit logs."""
    settings = context(ctx).settings()
    manifest = store_backup.restore(source, settings)
    platform = open_platform(settings)
    try:
        checked = verify_restored(platform, manifest)
    finally:
        platform.close()
    if json_out:
        print_json(checked)
    else:
        console.print(f"restored into {settings.data_dir}: {checked['assets_checked']} blobs match their SHA-256, "
                      f"log root at size {checked['log_size']} matches its signed checkpoint, audit logs match")
