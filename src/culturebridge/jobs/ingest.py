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
from culturebridge.catalog import Asset, add_asset
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
