"""Ingest: store a file as an asset of a work and announce it with one `asset-added` job.

What runs for a new asset (fingerprinting, label checks, ...) is not known here: the
pipeline's handler for `asset-added` fans it out to the per-asset stages. So a stage that
adds a file of its own (a labelled rendition, a rebuilt subtitle) calls `ingest` too, and the
new file goes through the same stages without the stage knowing which.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import Connection

from culturebridge.accounts import User
from culturebridge.catalog import (
    Asset,
    PreparedFile,
    add_asset,
    add_prepared,
    discard_prepared,
    get_work,
    prepare_file,
    require_editor,
)
from culturebridge.errors import Error
from culturebridge.jobs.queue import enqueue
from culturebridge.platform import Platform

ASSET_ADDED = "asset-added"


def ingest(conn: Connection, platform: Platform, actor: User, work_id: str, source: BinaryIO, filename: str) -> Asset:
    """Add a file to a work (sniffed, hashed, decoded, deduplicated) and queue `asset-added`."""
    asset = add_asset(conn, platform.media, actor, work_id, source, filename, platform.limits)
    announce_asset(conn, asset, actor.id)
    return asset


def announce_asset(conn: Connection, asset: Asset, actor_id: str | None) -> None:
    """Queue the one `asset-added` job for a stored asset (in the caller's transaction)."""
    enqueue(conn, ASSET_ADDED, {"asset_id": asset.id, "work_id": asset.work_id, "by": actor_id}, created_by=actor_id)


# --- the same, with the slow half outside the write transaction ---------------------------------

COMMIT_BATCH = 16  # prepared files recorded per short write transaction in bulk ingest


def ingest_prepared(conn: Connection, platform: Platform, actor: User, work_id: str, prepared: PreparedFile) -> Asset:
    """Record a prepared file as an asset and queue `asset-added` (the short, locked half)."""
    asset = add_prepared(conn, platform.media, actor, work_id, prepared)
    announce_asset(conn, asset, actor.id)
    return asset


def ingest_file(platform: Platform, actor: User, work_id: str, source: BinaryIO, filename: str) -> Asset:
    """Ingest one file holding the write lock only for the insert.

    The permission check reads first (so a stranger's upload is refused before it is
    decoded); staging, hashing, sniffing and decoding run with no transaction open; the write
    transaction re-checks and inserts. Nothing is left behind on any error.
    """
    with platform.db.read() as conn:
        require_editor(actor, get_work(conn, work_id))
    prepared = prepare_file(platform.media, source, filename, platform.limits)
    try:
        with platform.db.write() as conn:
            return ingest_prepared(conn, platform, actor, work_id, prepared)
    except BaseException:
        discard_prepared(platform.media, prepared)  # a no-op once the blob moved under its key
        raise


def record_prepared(
    platform: Platform, actor: User, work_id: str, prepared: list[PreparedFile]
) -> list[Asset | Error]:
    """Record already prepared files in one short write, each in its own savepoint.

    Returns, per file, its asset or the error that refused it (that file alone). Holding the
    lock costs only the inserts: every file was decoded before. On a failure of the whole
    transaction (e.g. `DatabaseBusy`) every staged file is removed and the error raised.
    """
    out: list[Asset | Error] = []
    try:
        with platform.db.write() as conn:
            for item in prepared:
                try:
                    with conn.begin_nested():
                        out.append(ingest_prepared(conn, platform, actor, work_id, item))
                except Error as exc:
                    out.append(exc)
    except BaseException:
        for item in prepared:
            discard_prepared(platform.media, item)
        raise
    return out
