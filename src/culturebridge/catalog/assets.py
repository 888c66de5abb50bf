"""Ingest: stream a file into the media store and record it as an asset of a work.

Order of operations, chosen so a crash anywhere leaves no half-written work: the bytes are
streamed to a staging file while hashed (size limit enforced as they arrive), the type is
sniffed from content and the file decoded far enough to prove it whole; only then is the
blob moved under its content key and the row inserted in the caller's transaction. A crash
between the two leaves at most an unreferenced blob, which `LocalMediaStore.sweep` removes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from sqlalchemy import Connection, select

from culturebridge.accounts.users import User
from culturebridge.catalog.models import Asset
from culturebridge.catalog.probe import probe
from culturebridge.catalog.sniff import check_claimed_name, sniff_file
from culturebridge.catalog.works import get_work, require_editor
from culturebridge.errors import AssetNotFound, DuplicateAsset, InvalidInput
from culturebridge.ids import as_utc, new_id, now
from culturebridge.storage.media import LocalMediaStore
from culturebridge.storage.schema import assets


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int
    max_pixels: int


def asset_from_row(row: Any) -> Asset:
    m = row._mapping
    return Asset(
        id=m["id"],
        work_id=m["work_id"],
        sha256=m["sha256"],
        media_type=m["media_type"],
        size=int(m["size"]),
        width=m["width"],
        height=m["height"],
        duration=m["duration"],
        storage_key=m["storage_key"],
        original_name=m["original_name"],
        created_at=as_utc(m["created_at"]),
    )


def add_asset(
    conn: Connection,
    store: LocalMediaStore,
    actor: User,
    work_id: str,
    source: BinaryIO,
    filename: str,
    limits: IngestLimits,
) -> Asset:
    """Ingest one file as an asset of `work_id`; on any error nothing is stored."""
    name = PurePath(filename.replace("\\", "/")).name.strip() or "upload"
    if len(name) > 255:
        raise InvalidInput("file name is longer than 255 characters")
    work = get_work(conn, work_id)
    require_editor(actor, work)
    staged = store.stage(source, limits.max_bytes)
    try:
        if staged.size == 0:
            raise InvalidInput(f"{name} is empty (0 bytes)")
        media_type = sniff_file(staged.head, str(staged.temp_path))
        check_claimed_name(media_type, name)
        measured = probe(staged.temp_path, media_type, limits.max_pixels)
        duplicate = conn.execute(
            select(assets.c.id).where(assets.c.work_id == work_id, assets.c.sha256 == staged.sha256)
        ).first()
        if duplicate is not None:
            raise DuplicateAsset(
                f"{name} is already asset {duplicate.id} of work {work_id} (same SHA-256)",
            )
    except BaseException:
        store.discard(staged)
        raise
    asset = Asset(
        id=new_id("a"),
        work_id=work_id,
        sha256=staged.sha256,
        media_type=media_type,
        size=staged.size,
        width=measured.width,
        height=measured.height,
        duration=measured.duration,
        storage_key=staged.sha256,
        original_name=name,
        created_at=now(),
    )
    store.commit(staged)
    conn.execute(assets.insert().values(**asdict(asset)))
    return asset


def get_asset(conn: Connection, asset_id: str) -> Asset:
    row = conn.execute(select(assets).where(assets.c.id == asset_id)).first()
    if row is None:
        raise AssetNotFound(asset_id)
    return asset_from_row(row)


def list_assets(conn: Connection, work_id: str) -> list[Asset]:
    rows = conn.execute(select(assets).where(assets.c.work_id == work_id).order_by(assets.c.created_at, assets.c.id))
    return [asset_from_row(r) for r in rows]


def find_assets_by_hash(conn: Connection, sha256: str) -> list[Asset]:
    """Every asset whose bytes hash to `sha256` (the same file may belong to several works)."""
    return [asset_from_row(r) for r in conn.execute(select(assets).where(assets.c.sha256 == sha256.lower()))]


def referenced_keys(conn: Connection) -> set[str]:
    return {r.storage_key for r in conn.execute(select(assets.c.storage_key))}
