"""Incremental roll-ups: counter deltas of a batch of events, added in the same transaction.

`deltas` is pure: it turns stored events into counter increments per (work, market, viewer
bucket), per (day, work, market), per retention bin and per feed reason. `apply` adds them
with one upsert per table (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL), and
keeps the (viewer, market) and (viewer, work, market) rows that make distinct and returning
viewers exact (docs/insight.md, "Roll-ups"). Work "*"
rows are the market's totals, so the index reads markets x BUCKETS rows, never events.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, case, update

from culturebridge.insight._tables import (
    COUNTERS,
    FLOAT_COUNTERS,
    buckets,
    daily,
    reasons,
    retention,
    returners,
    viewer_markets,
    viewer_works,
)
from culturebridge.insight.methodology import load
from culturebridge.storage.bulk import fetch_rows, insert_new, upsert_add

BUCKETS = 100  # viewer buckets: the bootstrap resamples these (docs/insight.md, "Uncertainty")
RETENTION_BINS = 20  # furthest position in 5% steps; bin 20 = watched to the end
ALL = "*"  # work id of a market's total rows


@dataclass(frozen=True)
class Signal:
    """One stored audience event as the roll-ups see it."""

    event_id: str
    viewer_id: str
    work_id: str
    market: str
    type: str  # impression | view | like | share | follow | skip | comment
    at: datetime
    watch_fraction: float | None = None
    sentiment: float | None = None  # comments only
    reason: str | None = None  # the feed reason of the slot this event decided


def bucket_of(viewer_id: str) -> int:
    """The viewer's bucket: a stable hash, the same in every process and release."""
    return zlib.crc32(viewer_id.encode("utf-8")) % BUCKETS


def retention_bin(fraction: float) -> int:
    """The coarse bin of the furthest position a view reached (0..RETENTION_BINS)."""
    return max(0, min(RETENTION_BINS, int(fraction * RETENTION_BINS + 1e-9)))


Counts = list[float]  # one value per name of COUNTERS, in that order
IDX = {name: i for i, name in enumerate(COUNTERS)}
_INT = [name not in FLOAT_COUNTERS for name in COUNTERS]


@dataclass
class Deltas:
    buckets: dict[tuple[str, str, int], Counts]
    daily: dict[tuple[str, str, str], Counts]
    retention: dict[tuple[str, str, int], int]
    reasons: dict[tuple[str, str, str], list[int]]


def _add(target: dict[Any, Counts], key: Any, name: str, amount: float = 1.0) -> None:
    row = target.get(key)
    if row is None:
        row = target[key] = [0.0] * len(COUNTERS)
    row[IDX[name]] += amount


def deltas(signals: Iterable[Signal]) -> Deltas:
    """Counter increments of a batch (pure). Events are first summed per (work, market,
    bucket, day), so the per-event work is one dictionary lookup and a few additions."""
    method = load()
    half, done = method.half_watched, method.completed
    n = len(COUNTERS)
    i_imp, i_views, i_watch, i_half, i_done = (IDX[c] for c in ("impressions", "views", "watch_sum", "half",
                                                                "completed"))
    i_skip, i_comm, i_ssum, i_sn = (IDX[c] for c in ("skips", "comments", "sentiment_sum", "sentiment_n"))
    i_dec, i_eng = IDX["explore_decided"], IDX["explore_engaged"]
    plural = {"like": IDX["likes"], "share": IDX["shares"], "follow": IDX["follows"]}
    acc: dict[tuple[str, str, int, str], Counts] = {}
    out = Deltas({}, {}, defaultdict(int), {})
    bucket_cache: dict[str, int] = {}
    day_cache: dict[datetime, str] = {}
    for s in signals:
        b = bucket_cache.get(s.viewer_id)
        if b is None:
            b = bucket_cache[s.viewer_id] = bucket_of(s.viewer_id)
        day = day_cache.get(s.at)
        if day is None:
            day = day_cache[s.at] = s.at.date().isoformat()
        key = (s.work_id, s.market, b, day)
        row = acc.get(key)
        if row is None:
            row = acc[key] = [0.0] * n
        t = s.type
        engaged = t in plural
        if t == "impression":
            row[i_imp] += 1
        elif t == "view":
            f = s.watch_fraction or 0.0
            row[i_views] += 1
            row[i_watch] += f
            if f >= half:
                row[i_half] += 1
                engaged = True
            if f >= done:
                row[i_done] += 1
            out.retention[(s.work_id, s.market, retention_bin(f))] += 1
        elif engaged:
            row[plural[t]] += 1
        elif t == "skip":
            row[i_skip] += 1
        elif t == "comment":
            row[i_comm] += 1
            if s.sentiment is not None:
                row[i_ssum] += s.sentiment
                row[i_sn] += 1
        if s.reason is not None:
            pair = out.reasons.setdefault((s.work_id, s.market, s.reason), [0, 0])
            pair[0 if engaged else 1] += 1
            if s.reason == "exploration":
                row[i_dec] += 1
                row[i_eng] += engaged
    for (work, market, b, day), row in acc.items():
        _merge(out.buckets, (work, market, b), row)
        _merge(out.buckets, (ALL, market, b), row)
        _merge(out.daily, (day, work, market), row)
        _merge(out.daily, (day, ALL, market), row)
    return out


def _merge(target: dict[Any, Counts], key: Any, row: Counts) -> None:
    have = target.get(key)
    if have is None:
        target[key] = list(row)
        return
    for i, v in enumerate(row):
        if v:
            have[i] += v


def _upsert(conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, Any]],
            counters: Sequence[str]) -> None:
    """Add counter rows: INSERT ... ON CONFLICT (keys) DO UPDATE SET c = c + excluded.c, a few
    multi-row statements for the batch, in one lock order (no deadlocks between writers)."""
    cols = [*keys, *counters]
    upsert_add(conn, table, keys, counters, [tuple(r[c] for c in cols) for r in rows])


def _counter_rows(keys: Sequence[str], data: dict[Any, Counts]) -> list[dict[str, Any]]:
    out = []
    for key, counts in data.items():
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        for name, is_int, value in zip(COUNTERS, _INT, counts, strict=True):
            row[name] = int(value) if is_int else value
        out.append(row)
    return out


def _insert_new(conn: Connection, table: Table, cols: Sequence[str], nkeys: int,
                rows: Mapping[Any, tuple[Any, ...]]) -> set[tuple[str, ...]]:
    """Insert the rows (key -> the other `cols`) whose key is not stored yet; returns the keys
    this writer inserted. The key is the first `nkeys` of `cols` (the primary key).
    INSERT ... ON CONFLICT DO NOTHING RETURNING on both databases: of two concurrent
    writers only one sees a given key as new, and no stored row is read."""
    return insert_new(conn, table, cols, nkeys, [(*k, *v) for k, v in rows.items()])


def _viewers(conn: Connection, signals: Sequence[Signal], d: Deltas) -> None:
    """Distinct viewers per market and per work, and returning viewers, each counted once.

    A (viewer, work, market) or (viewer, market) row inserted by this writer counts a new
    viewer; a viewer seen on a second distinct day counts as returning when this writer
    inserts their `insight_returners` row. Both are primary-key inserts with ON CONFLICT DO
    NOTHING, so concurrent writers on PostgreSQL never count one viewer twice. Every read is
    by full primary key, so a batch costs the same whatever the viewers' history."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    per_work: dict[tuple[str, str, str], str] = {}
    for s in signals:
        day = s.at.date().isoformat()
        seen[(s.viewer_id, s.market)].add(day)
        k = (s.viewer_id, s.work_id, s.market)
        if k not in per_work or day < per_work[k]:
            per_work[k] = day
    for viewer, work, market in _insert_new(conn, viewer_works, ("viewer_id", "work_id", "market", "first_day"), 3,
                                            {k: (day,) for k, day in per_work.items()}):
        _add(d.buckets, (work, market, bucket_of(viewer)), "viewers")
        _add(d.daily, (per_work[(viewer, work, market)], work, market), "viewers")
    inserted = _insert_new(conn, viewer_markets, ("viewer_id", "market", "first_day", "last_day", "days"), 2,
                           {k: (min(days), max(days), len(days)) for k, days in seen.items()})
    existing: dict[tuple[str, str], tuple[str, str]] = {}
    known = [k for k in seen if k not in inserted]  # stored before (by an earlier batch or another writer)
    for viewer, market, first, last in fetch_rows(conn, viewer_markets, ("viewer_id", "market"), known,
                                                  ("first_day", "last_day")):
        existing[(viewer, market)] = (first, last)
    returning: dict[tuple[str, str], str] = {}
    changed: list[dict[str, Any]] = []
    for (viewer, market), days in seen.items():
        key = (viewer, market)
        if key in inserted:
            _add(d.buckets, (ALL, market, bucket_of(viewer)), "viewers")
            _add(d.daily, (min(days), ALL, market), "viewers")
            if len(days) >= 2:
                returning[key] = sorted(days)[1]
            continue
        if key not in existing:
            continue
        first, last = existing[key]
        new_days = {day for day in days if day < first or day > last}
        if new_days:
            returning[key] = sorted({first, last} | new_days)[1]
            changed.append({"v": viewer, "m": market, "f": min(new_days), "l": max(new_days), "n": len(new_days)})
    if changed:
        vm = viewer_markets.c
        changed.sort(key=lambda r: (r["v"], r["m"]))
        # first/last only ever widen, so a writer working from an older read never narrows them.
        conn.execute(update(viewer_markets).where((vm.viewer_id == bindparam("v")) & (vm.market == bindparam("m")))
                     .values(first_day=case((vm.first_day <= bindparam("f"), vm.first_day), else_=bindparam("f")),
                             last_day=case((vm.last_day >= bindparam("l"), vm.last_day), else_=bindparam("l")),
                             days=vm.days + bindparam("n")), changed)
    for viewer, market in _insert_new(conn, returners, ("viewer_id", "market", "day"), 2,
                                      {k: (day,) for k, day in returning.items()}):
        _add(d.buckets, (ALL, market, bucket_of(viewer)), "returners")
        _add(d.daily, (returning[(viewer, market)], ALL, market), "returners")


def apply(conn: Connection, signals: Sequence[Signal]) -> None:
    """Add a batch of newly stored events to every roll-up (caller's transaction)."""
    if not signals:
        return
    d = deltas(signals)
    _viewers(conn, signals, d)
    _upsert(conn, buckets, ("work_id", "market", "bucket"), _counter_rows(("work_id", "market", "bucket"), d.buckets),
            COUNTERS)
    _upsert(conn, daily, ("day", "work_id", "market"), _counter_rows(("day", "work_id", "market"), d.daily), COUNTERS)
    _upsert(conn, retention, ("work_id", "market", "bin"),
            [{"work_id": w, "market": m, "bin": b, "views": n} for (w, m, b), n in d.retention.items()], ("views",))
    _upsert(conn, reasons, ("work_id", "market", "reason"),
            [{"work_id": w, "market": m, "reason": r, "engaged": e, "skipped": s}
             for (w, m, r), (e, s) in d.reasons.items()], ("engaged", "skipped"))


def clear(conn: Connection) -> None:
    """Empty every roll-up (before a rebuild from the stored events)."""
    for table in (buckets, daily, retention, reasons, viewer_markets, viewer_works, returners):
        conn.execute(table.delete())
