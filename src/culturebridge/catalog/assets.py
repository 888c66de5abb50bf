"""Ingest: stream a file into the media store and record it as an asset of a work.

Order of operations, chosen so a crash anywhere leaves no half-written work: the bytes are
streamed to a staging file while hashed (size limit enforced as they arrive), the type is
sniffed from content and the file decoded far enough to prove it whole; only then is the
blob moved under its content key and the row inserted in the caller's transaction. A crash
between the two leaves at most an unreferenced blob, which the media store's `sweep` removes.

The slow half (`prepare_file`: stage, hash, sniff, decode) needs no database, so callers run
it before opening the write transaction; `add_prepared` is the short half that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from sqlalchemy import Connection, select, update

from culturebridge.accounts.users import User
from culturebridge.catalog._tables import assets
from culturebridge.catalog.models import Asset
from culturebridge.catalog.picture import DEFAULT_MAX_WHOLE_PIXELS
from culturebridge.catalog.probe import DEFAULT_MAX_UNPACKED, Probe, probe
from culturebridge.catalog.sniff import check_claimed_name, family, sniff_file
from culturebridge.catalog.works import get_work, require_editor
from culturebridge.errors import AssetNotFound, Conflict, DuplicateAsset, InvalidInput
from culturebridge.ids import as_utc, new_id, now
from culturebridge.storage import MediaStore, StagedBlob


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int
    max_pixels: int
    max_unpacked: int = DEFAULT_MAX_UNPACKED  # total unpacked size of an archive (DOCX)
    max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS  # pictures decoded at full size (not PNG/JPEG)


@dataclass(frozen=True)
class PreparedFile:
    """A file staged, hashed, sniffed and decoded: ready to become an asset, not yet one."""

    name: str
    staged: StagedBlob
    media_type: str
    measured: Probe


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


def clean_name(filename: str) -> str:
    """The file's own name (no folders), or InvalidInput when it is too long."""
    name = PurePath(filename.replace("\\", "/")).name.strip() or "upload"
    if len(name) > 255:
        raise InvalidInput("file name is longer than 255 characters")
    return name


def prepare_file(store: MediaStore, source: BinaryIO, filename: str, limits: IngestLimits) -> PreparedFile:
    """Stage, hash, sniff and decode a file, with no database: the slow part of ingest.

    On any error the staged bytes are removed; on success the caller must pass the result to
    `add_prepared` or `discard_prepared`.
    """
    name = clean_name(filename)
    staged = store.stage(source, limits.max_bytes)
    try:
        if staged.size == 0:
            raise InvalidInput(f"{name} is empty (0 bytes)")
        media_type = sniff_file(staged.head, str(staged.temp_path))
        check_claimed_name(media_type, name)
        measured = probe(staged.temp_path, media_type, limits.max_pixels, limits.max_unpacked, limits.max_whole_pixels)
    except BaseException:
        store.discard(staged)
        raise
    return PreparedFile(name, staged, media_type, measured)


def discard_prepared(store: MediaStore, prepared: PreparedFile) -> None:
    store.discard(prepared.staged)


def add_prepared(conn: Connection, store: MediaStore, actor: User, work_id: str, prepared: PreparedFile) -> Asset:
    """Record a prepared file as an asset of `work_id` (quick: checks, a rename, one insert).

    The staged file is consumed: moved under its key on success, removed on any error.
    """
    try:
        work = get_work(conn, work_id)
        require_editor(actor, work)
        staged = prepared.staged
        duplicate = conn.execute(
            select(assets.c.id).where(assets.c.work_id == work_id, assets.c.sha256 == staged.sha256)
        ).first()
        if duplicate is not None:
            raise DuplicateAsset(
                f"{prepared.name} is already asset {duplicate.id} of work {work_id} (same SHA-256)",
            )
    except BaseException:
        discard_prepared(store, prepared)
        raise
    asset = Asset(
        id=new_id("a"),
        work_id=work_id,
        sha256=staged.sha256,
        media_type=prepared.media_type,
        size=staged.size,
        width=prepared.measured.width,
        height=prepared.measured.height,
        duration=prepared.measured.duration,
        storage_key=staged.sha256,
        original_name=prepared.name,
        created_at=now(),
    )
    try:
        conn.execute(assets.insert().values(**asdict(asset)))
    except BaseException:
        discard_prepared(store, prepared)
        raise
    # The blob's upload (started by `stage`) is awaited only now, so it overlaps the checks and
    # the insert above. The row is not committed before the caller's transaction ends, and a
    # failed upload raises here, rolling that transaction (or savepoint) back: no committed
    # row ever refers to a blob the store does not have.
    store.commit(staged)
    return asset


def add_asset(
    conn: Connection,
    store: MediaStore,
    actor: User,
    work_id: str,
    source: BinaryIO,
    filename: str,
    limits: IngestLimits,
) -> Asset:
    """Ingest one file as an asset of `work_id`; on any error nothing is stored.

    Decodes inside the caller's transaction: for short scripts and tests. Writers that share
    the database call `prepare_file` first and `add_prepared` in a short transaction.
    """
    clean_name(filename)
    require_editor(actor, get_work(conn, work_id))
    return add_prepared(conn, store, actor, work_id, prepare_file(store, source, filename, limits))


def get_asset(conn: Connection, asset_id: str) -> Asset:
    row = conn.execute(select(assets).where(assets.c.id == asset_id)).first()
    if row is None:
        raise AssetNotFound(asset_id)
    return asset_from_row(row)


def list_assets(conn: Connection, work_id: str, include_superseded: bool = False) -> list[Asset]:
    """A work's assets, oldest first; those replaced by a newer asset only if asked."""
    query = select(assets).where(assets.c.work_id == work_id)
    if not include_superseded:
        query = query.where(assets.c.superseded_by.is_(None))
    rows = conn.execute(query.order_by(assets.c.created_at, assets.c.id))
    return [asset_from_row(r) for r in rows]


def current_asset_ids(conn: Connection) -> list[str]:
    """Every asset not replaced by a newer one, oldest first (for batch work over the catalog)."""
    query = select(assets.c.id).where(assets.c.superseded_by.is_(None)).order_by(assets.c.created_at, assets.c.id)
    return [r.id for r in conn.execute(query)]


def cover_assets(conn: Connection, work_ids: Sequence[str]) -> dict[str, Asset]:
    """Each work's first current picture (image or video), for thumbnails; one query for all."""
    if not work_ids:
        return {}
    rows = conn.execute(
        select(assets)
        .where(assets.c.work_id.in_(list(work_ids)), assets.c.superseded_by.is_(None))
        .where(assets.c.media_type.like("image/%") | assets.c.media_type.like("video/%"))
        .order_by(assets.c.created_at, assets.c.id)
    )
    first: dict[str, Asset] = {}
    for row in rows:
        if row.work_id not in first:
            first[row.work_id] = asset_from_row(row)
    return first


def superseded_by(conn: Connection, asset_id: str) -> str | None:
    """The id of the asset that replaced this one, or None while it is current."""
    row = conn.execute(select(assets.c.superseded_by).where(assets.c.id == asset_id)).first()
    if row is None:
        raise AssetNotFound(asset_id)
    return str(row.superseded_by) if row.superseded_by is not None else None


def _chain(conn: Connection, asset_id: str) -> list[str]:
    """`asset_id` and the assets that replaced it in turn, up to the current one."""
    ids = [asset_id]
    while (nxt := superseded_by(conn, ids[-1])) is not None and nxt not in ids:
        ids.append(nxt)
    return ids


def supersede_asset(conn: Connection, old_id: str, new_id: str) -> None:
    """Mark asset `old_id` as replaced by `new_id` (same work, same media family); no row is deleted.

    A superseded asset drops out of `list_assets` (and the work's pages) but stays stored, so
    evidence that names it (rights claims, labels, fingerprints) still verifies.
    """
    if old_id == new_id:
        raise InvalidInput(f"asset {old_id!r} cannot supersede itself", hint="give the id of the asset that replaces it")
    old, new = get_asset(conn, old_id), get_asset(conn, new_id)
    if old.work_id != new.work_id:
        raise InvalidInput(f"asset {new_id!r} belongs to work {new.work_id!r}, not to {old.work_id!r} like {old_id!r}",
                           hint="only an asset of the same work can replace another")
    if family(old.media_type) != family(new.media_type):
        raise InvalidInput(f"asset {new_id!r} ({new.media_type}) cannot replace {old_id!r} ({old.media_type})",
                           hint=f"a replacement must be {family(old.media_type)} too")
    current = superseded_by(conn, old_id)
    if current == new_id:
        return
    if current is not None:
        raise Conflict(f"asset {old_id!r} is already superseded by {current!r}",
                       hint=f"supersede the current asset {_chain(conn, current)[-1]!r} instead")
    chain = _chain(conn, new_id)
    if old_id in chain:
        raise Conflict(f"asset {new_id!r} was itself replaced by {old_id!r}: superseding would make a cycle",
                       hint=f"use reinstate_asset to make {new_id!r} current again")
    if len(chain) > 1:
        raise Conflict(f"asset {new_id!r} is itself superseded by {chain[1]!r}",
                       hint=f"supersede {old_id!r} by the current asset {chain[-1]!r}")
    conn.execute(update(assets).where(assets.c.id == old_id).values(superseded_by=new_id))


def reinstate_asset(conn: Connection, asset_id: str) -> None:
    """Make a superseded asset current again; the asset that replaced it is superseded by it."""
    chain = _chain(conn, asset_id)
    if len(chain) == 1:
        return
    conn.execute(update(assets).where(assets.c.id == asset_id).values(superseded_by=None))
    conn.execute(update(assets).where(assets.c.id == chain[-1]).values(superseded_by=asset_id))


def find_assets_by_hash(conn: Connection, sha256: str) -> list[Asset]:
    """Every asset whose bytes hash to `sha256` (the same file may belong to several works)."""
    return [asset_from_row(r) for r in conn.execute(select(assets).where(assets.c.sha256 == sha256.lower()))]


def referenced_keys(conn: Connection) -> set[str]:
    return {r.storage_key for r in conn.execute(select(assets.c.storage_key))}
