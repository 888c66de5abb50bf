"""Ingest as the pipeline sees it: store the file as an asset, then queue its stages."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import Connection

from culturebridge.accounts.users import User
from culturebridge.catalog.assets import (
    PreparedFile,
    add_asset,
    add_prepared,
    discard_prepared,
    prepare_file,
)
from culturebridge.catalog.models import Asset
from culturebridge.catalog.works import get_work, require_editor
from culturebridge.errors import Error
from culturebridge.pipeline.stages import after_ingest
from culturebridge.platform import Platform


def ingest(conn: Connection, platform: Platform, actor: User, work_id: str, source: BinaryIO, filename: str) -> Asset:
    """Add a file to a work and queue fingerprinting, label checks and the other per-asset stages.

    Decodes inside `conn`'s transaction; writers sharing the database use `ingest_file`.
    """
    asset = add_asset(conn, platform.media, actor, work_id, source, filename, platform.limits)
    after_ingest(conn, asset, actor.id)
    return asset


def ingest_prepared(conn: Connection, platform: Platform, actor: User, work_id: str, prepared: PreparedFile) -> Asset:
    """Record a prepared file as an asset and queue its stages (the short, locked half)."""
    asset = add_prepared(conn, platform.media, actor, work_id, prepared)
    after_ingest(conn, asset, actor.id)
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


COMMIT_BATCH = 16  # prepared files recorded per short write transaction in bulk ingest


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
