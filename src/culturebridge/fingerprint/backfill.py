"""Fingerprint backfill: fingerprint stored assets that have no fingerprint row (or all of them).

For a deployment that turned the stage on after ingesting, imported rows without their
jobs, or wants every asset fingerprinted again after a change of method. Each asset runs
through `fingerprint_asset`, the same code as the `fingerprint-asset` job, which writes by key
(the asset's row upserted, a conflict per (asset, matched asset) pair upserted): a batch run
again after its Ray node was lost records nothing twice.

With a Ray address the assets are cut into batches that run as Ray tasks (`jobs.cluster`);
each worker process opens the platform from the settings once and keeps it (database pool,
media store client, fingerprint library) for its later batches. Workers read media through
the media store, so on a cluster of several machines media must live in an object store
(`media_url = s3://...`) or a folder every node mounts at the same path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from culturebridge.catalog import current_asset_ids
from culturebridge.errors import Error, MediaStoreUnavailable
from culturebridge.fingerprint._tables import fingerprints
from culturebridge.fingerprint.monitor import fingerprint_asset
from culturebridge.jobs.cluster import Progress, batches_for, cluster_cpus, run_batches, session
from culturebridge.platform import Platform, open_media_store
from culturebridge.settings import Settings
from culturebridge.storage import Database

if TYPE_CHECKING:
    from culturebridge.fingerprint.image import OverlayFinder


@dataclass(frozen=True)
class Backfilled:
    """One asset's outcome: the job's one-line summary, or why it failed."""

    asset_id: str
    message: str
    failed: bool = False


def assets_to_backfill(platform: Platform, *, everything: bool = False) -> list[str]:
    """Ids of current assets without a fingerprint row (every current asset with `everything`)."""
    with platform.db.read() as conn:
        ids = current_asset_ids(conn)
        done = set() if everything else {r.asset_id for r in conn.execute(select(fingerprints.c.asset_id))}
    return [a for a in ids if a not in done]


_platforms: dict[str, Platform] = {}  # per Ray worker process: settings -> its opened platform


def _worker_platform(settings: Settings) -> Platform:
    key = repr(settings)
    platform = _platforms.get(key)
    if platform is None:
        db = Database.open(settings.resolved_database_url, settings.db_busy_seconds)
        platform = _platforms[key] = Platform(settings, db, open_media_store(settings))
    return platform


def backfill_batch(asset_ids: list[str], target: Platform | Settings, overlays: OverlayFinder | None = None
                   ) -> list[Backfilled]:
    """Fingerprint some assets (on a Ray worker `target` is the settings to open the platform from),
    ignoring what `overlays` finds on a picture (`image.OverlayFinder`)."""
    platform = target if isinstance(target, Platform) else _worker_platform(target)
    out = []
    for asset_id in asset_ids:
        try:
            out.append(Backfilled(asset_id, fingerprint_asset(platform, asset_id, overlays=overlays)))
        except MediaStoreUnavailable:
            raise  # the store's fault: the batch fails (and is not half-reported)
        except Error as exc:  # e.g. the asset was deleted meanwhile
            out.append(Backfilled(asset_id, exc.diagnostic(), failed=True))
    return out


def backfill(platform: Platform, asset_ids: list[str], *, ray_address: str = "", batch: int = 0,
             progress: Progress | None = None, overlays: OverlayFinder | None = None) -> list[Backfilled]:
    """Fingerprint `asset_ids` on the Ray cluster at `ray_address` (or here); one result each.
    `overlays` is passed to every task (a module-level function, so Ray can ship it)."""
    with session(ray_address, "`fingerprint backfill --ray`"):
        parts = batches_for(asset_ids, cluster_cpus(ray_address), batch)
        target: Platform | Settings = platform.settings if ray_address else platform
        done = run_batches(backfill_batch, parts, target, overlays, ray_address=ray_address, progress=progress,
                           feature="`fingerprint backfill --ray`")
    return [item for part in done for item in part]
