"""Ingest as the pipeline sees it: store the file as an asset, then queue its stages."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import Connection

from culturebridge.accounts.users import User
from culturebridge.catalog.assets import add_asset
from culturebridge.catalog.models import Asset
from culturebridge.pipeline.stages import after_ingest
from culturebridge.platform import Platform


def ingest(conn: Connection, platform: Platform, actor: User, work_id: str, source: BinaryIO, filename: str) -> Asset:
    """Add a file to a work and queue fingerprinting, label checks and the other per-asset stages."""
    asset = add_asset(conn, platform.media, actor, work_id, source, filename, platform.limits)
    after_ingest(conn, asset, actor.id)
    return asset
