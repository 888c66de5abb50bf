"""The fingerprint stage's job: fingerprint each ingested asset and record what it copies.

`fingerprint-asset` (queued for every ingested asset) computes the asset's fingerprint from
the media store, stores it (or why it failed: undecodable, bomb, no frames — the asset
stays), matches it against every OTHER work's assets in the platform's library and records
each match as a conflict (`conflicts`). `claim_fingerprints` gives the stored fingerprints a
rights claim carries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, select

from culturebridge.catalog import Asset, ancestors_of, get_asset, get_work, lineage
from culturebridge.errors import Error, InvalidInput, MediaStoreUnavailable, NotFound
from culturebridge.fingerprint._tables import fingerprints
from culturebridge.fingerprint.conflicts import record_conflict, refresh_work_status
from culturebridge.fingerprint.shared_library import (
    Seen,
    library_lock,
    missed_since,
    remember,
    searched,
)
from culturebridge.ids import as_utc, now
from culturebridge.jobs import Handler, Progress
from culturebridge.platform import Platform
from culturebridge.storage import upsert

if TYPE_CHECKING:
    from culturebridge.fingerprint.image import OverlayFinder
    from culturebridge.fingerprint.matcher import Fingerprint, Match

JOB_KIND = "fingerprint-asset"
Status = Literal["ok", "unmatchable", "unsupported", "failed"]
MATCH_LIMIT = 50  # matches considered per asset (its own work's are dropped after lookup)


@dataclass(frozen=True)
class StoredFingerprint:
    """An asset's fingerprint row, without the bytes."""

    asset_id: str
    work_id: str
    kind: str | None
    status: str
    reason: str | None
    computed_at: datetime


def job_handler(platform: Platform, *, overlays: OverlayFinder | None = None) -> Handler:
    """The `fingerprint-asset` job handler: params {"asset_id", "work_id"}; what `overlays`
    finds on a picture is ignored (`image.OverlayFinder`)."""

    def handle(params: dict[str, Any], progress: Progress) -> str:
        asset_id = params.get("asset_id")
        if not isinstance(asset_id, str):
            raise InvalidInput("fingerprint-asset job needs an asset_id")
        return fingerprint_asset(platform, asset_id, overlays=overlays)

    return handle


def _compute(platform: Platform, asset: Asset, overlays: OverlayFinder | None
             ) -> tuple[Fingerprint | None, Status, str | None]:
    from culturebridge.fingerprint.matcher import unmatchable_reason
    from culturebridge.fingerprint.scan import fingerprint_path, guarded, kind_for_media_type

    kind = kind_for_media_type(asset.media_type)
    if kind is None:
        return None, "unsupported", f"{asset.media_type} files are not fingerprinted"
    try:
        with platform.media.local_file(asset.storage_key) as path:
            fp = guarded(
                asset.original_name,
                lambda: fingerprint_path(path, kind, asset.original_name, max_pixels=platform.settings.max_image_pixels,
                                         max_whole_pixels=platform.settings.max_whole_decode_pixels,
                                         overlays=overlays),
            )
    except NotFound as exc:  # the store lost the blob: recorded, like an undecodable file
        return None, "failed", f"cannot read {asset.original_name}: {exc.message}"[:2000]
    except MediaStoreUnavailable:
        raise  # the store's fault, not the file's: the job fails and can be run again
    except Error as exc:
        return None, "failed", exc.diagnostic()[:2000]
    reason = unmatchable_reason(fp)
    return fp, ("unmatchable" if reason else "ok"), reason


def fingerprint_asset(platform: Platform, asset_id: str, *, overlays: OverlayFinder | None = None) -> str:
    """Fingerprint one stored asset, store it, record conflicts; returns a one-line summary.
    What `overlays` finds on a picture is ignored (`image.OverlayFinder`)."""
    from culturebridge.fingerprint.scan import guarded

    with platform.db.read() as conn:
        asset = get_asset(conn, asset_id)
    fp, status, reason = _compute(platform, asset, overlays)
    matches: list[Match] = []
    seen: Seen | None = None
    if fp is not None and status == "ok":
        with library_lock:  # worker threads share the process's library; adds must not race a search
            library, seen = searched(platform)
            query = fp
            found = guarded(asset.original_name, lambda: library.match(query, limit=MATCH_LIMIT))
        matches = _best_per_asset(m for m in found if m.work_id != asset.work_id and m.asset_id != asset.id)
    with platform.db.write() as conn:
        try:
            get_asset(conn, asset.id)
        except Error:
            return f"{asset.original_name}: deleted while fingerprinting"
        stamp = _store(conn, asset, fp, status, reason)
        _record_matches(conn, asset, matches)
        refresh_work_status(conn, asset.work_id)
    if fp is not None and seen is not None:
        remember(platform, asset, fp, stamp)
        late = _late_matches(platform, asset, fp, seen, {m.asset_id for m in matches})
        if late:
            with platform.db.write() as conn:
                for flagged, found_late in late:
                    _record_matches(conn, flagged, found_late)
                    refresh_work_status(conn, flagged.work_id)
            matches += [m for flagged, found_late in late if flagged.id == asset.id for m in found_late]
    message = f"{asset.original_name}: {status}" + (f" ({reason})" if reason else "")
    if matches:
        message += "; matches " + ", ".join(f"{m.work_id}/{m.asset_id} ({m.score:.2f})" for m in matches)
    return message


def _late_matches(platform: Platform, asset: Asset, fp: Fingerprint, seen: Seen, known: set[str]
                  ) -> list[tuple[Asset, list[Match]]]:
    """Matches among rows another worker stored while this one searched (see `missed_since`).

    Each pair is flagged the way a worker that came second would have flagged it: the newer
    asset as matching the older, whichever worker finds it (both may; conflicts are written
    by key, so the pair is recorded once).
    """
    from culturebridge.fingerprint.matcher import Fingerprint, Library
    from culturebridge.fingerprint.scan import guarded

    missed = missed_since(platform, seen, asset.id)
    if missed is None:
        return []
    found = guarded(asset.original_name, lambda: missed.match(fp, limit=MATCH_LIMIT))
    late = _best_per_asset(m for m in found if m.work_id != asset.work_id and m.asset_id not in known)
    if not late:
        return []
    with platform.db.read() as conn:
        others = {m.asset_id: get_asset(conn, m.asset_id) for m in late}
        rows = {r.asset_id: r for r in conn.execute(
            select(fingerprints.c.asset_id, fingerprints.c.kind, fingerprints.c.data)
            .where(fingerprints.c.asset_id.in_(list(others))))}
    out: list[tuple[Asset, list[Match]]] = []
    mine = [m for m in late if (asset.created_at, asset.id) >= (others[m.asset_id].created_at, m.asset_id)]
    if mine:
        out.append((asset, mine))
    this = Library.from_rows([(asset.work_id, asset.id, fp.kind, fp.to_bytes())])
    for m in late:
        other, row = others[m.asset_id], rows.get(m.asset_id)
        if m in mine or row is None:
            continue
        back = guarded(other.original_name, partial(this.match, Fingerprint.from_bytes(row.kind, bytes(row.data)), limit=1))
        if back:
            out.append((other, back[:1]))
    return out


def _record_matches(conn: Connection, asset: Asset, matches: list[Match]) -> None:
    """A conflict per match: licensed only within one owner's own declared lineage."""
    if not matches:
        return  # most assets match nothing: no lineage queries
    related = _related_works(conn, asset.work_id)
    owner = get_work(conn, asset.work_id).owner_id
    for m in matches:
        if m.work_id not in related:
            record_conflict(conn, asset, m, licensed=False)
        elif get_work(conn, m.work_id).owner_id == owner:
            record_conflict(conn, asset, m, licensed=True)  # one owner's own lineage
        else:  # a declared derivation does not license a copy of someone else's work
            record_conflict(conn, asset, m, licensed=False, note=DECLARED_ACROSS_OWNERS)


DECLARED_ACROSS_OWNERS = ("declared derivation: the uploader's work names this work in its lineage, "
                          "but another account owns it; its rights holder decides")


def _related_works(conn: Connection, work_id: str) -> set[str]:
    """Works in the declared lineage of `work_id` (its sources and derivatives)."""
    graph = lineage(conn, work_id)
    return set(graph.ancestors()) | set(graph.descendants()) | set(ancestors_of(conn, work_id))


def _best_per_asset(found: Iterable[Match]) -> list[Match]:
    best: dict[str, Match] = {}
    for m in found:
        if m.asset_id not in best or m.score > best[m.asset_id].score:
            best[m.asset_id] = m
    return sorted(best.values(), key=lambda m: -m.score)


def _store(conn: Connection, asset: Asset, fp: Fingerprint | None, status: str, reason: str | None) -> datetime:
    stamp = now()
    values = {
        "work_id": asset.work_id,
        "kind": fp.kind if fp is not None else None,
        "status": status,
        "data": fp.to_bytes() if fp is not None else None,
        "reason": reason,
        "computed_at": stamp,
    }
    # One statement: a job run twice at once (a stalled worker's lease taken over) never
    # tries to insert the asset's row twice.
    conn.execute(upsert(conn, fingerprints, {"asset_id": asset.id, **values}, ["asset_id"], values))
    return stamp


def stored_fingerprints(conn: Connection, work_id: str) -> list[StoredFingerprint]:
    """The fingerprint rows of a work's assets (without the bytes)."""
    rows = conn.execute(
        select(
            fingerprints.c.asset_id,
            fingerprints.c.work_id,
            fingerprints.c.kind,
            fingerprints.c.status,
            fingerprints.c.reason,
            fingerprints.c.computed_at,
        ).where(fingerprints.c.work_id == work_id)
    )
    return [
        StoredFingerprint(r.asset_id, r.work_id, r.kind, r.status, r.reason, as_utc(r.computed_at)) for r in rows
    ]


def claim_fingerprints(conn: Connection, assets: Sequence[Asset]) -> dict[str, dict[str, str]]:
    """Stored fingerprints to put in a rights claim: asset SHA-256 -> {name: value}."""
    from culturebridge.fingerprint.matcher import Fingerprint

    by_id = {a.id: a for a in assets}
    if not by_id:
        return {}
    out: dict[str, dict[str, str]] = {}
    rows = conn.execute(
        select(fingerprints.c.asset_id, fingerprints.c.kind, fingerprints.c.data).where(
            fingerprints.c.asset_id.in_(list(by_id)), fingerprints.c.data.is_not(None)
        )
    )
    for r in rows:
        try:
            fp = Fingerprint.from_bytes(r.kind, bytes(r.data))
        except Error:
            continue
        names: dict[str, str] = {}
        value = fp.value
        hashes = getattr(value, "hashes", None)
        if hashes:
            names["pdq"] = hashes[0].bits.hex()
        simhash = getattr(value, "simhash", None)
        if isinstance(simhash, int):
            names["simhash64"] = f"{simhash:016x}"
        names[f"{fp.kind}-fingerprint-sha256"] = hashlib.sha256(bytes(r.data)).hexdigest()
        out[by_id[r.asset_id].sha256] = names
    return out


