"""Incremental roll-ups: counter deltas of a batch of events, added in the same transaction.

`deltas` is pure: it turns stored events into counter increments per (work, market, viewer
bucket), per (day, work, market), per retention bin and per feed reason. `apply` adds them
with one upsert per table (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL), and
keeps the (viewer, market) rows that make unique and returning viewers exact. Work "*"
rows are the market's totals, so the index reads markets x BUCKETS rows, never events.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from culturebridge.insight._tables import (
    COUNTERS,
    buckets,
    daily,
    reasons,
    retention,
    viewer_markets,
)
from culturebridge.insight.methodology import load

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


Counts = dict[str, float]


@dataclass
class Deltas:
    buckets: dict[tuple[str, str, int], Counts]
    daily: dict[tuple[str, str, str], Counts]
    retention: dict[tuple[str, str, int], int]
    reasons: dict[tuple[str, str, str], list[int]]


def _add(target: dict[Any, Counts], key: Any, name: str, amount: float = 1.0) -> None:
    row = target.setdefault(key, defaultdict(float))
    row[name] += amount


def deltas(signals: Iterable[Signal]) -> Deltas:
    """Counter increments of a batch (pure)."""
    method = load()
    out = Deltas({}, {}, defaultdict(int), {})
    for s in signals:
        b = bucket_of(s.viewer_id)
        day = s.at.date().isoformat()
        names: list[tuple[str, float]] = []
        if s.type == "impression":
            names.append(("impressions", 1.0))
        elif s.type == "view":
            f = s.watch_fraction or 0.0
            names += [("views", 1.0), ("watch_sum", f)]
            if f >= method.half_watched:
                names.append(("half", 1.0))
            if f >= method.completed:
                names.append(("completed", 1.0))
            out.retention[(s.work_id, s.market, retention_bin(f))] += 1
        elif s.type in ("like", "share", "follow"):
            names.append((s.type + "s", 1.0))
        elif s.type == "skip":
            names.append(("skips", 1.0))
        elif s.type == "comment":
            names.append(("comments", 1.0))
            if s.sentiment is not None:
                names += [("sentiment_sum", s.sentiment), ("sentiment_n", 1.0)]
        engaged = s.type in ("like", "share", "follow") or (
            s.type == "view" and (s.watch_fraction or 0.0) >= method.half_watched)
        if s.reason is not None:
            row = out.reasons.setdefault((s.work_id, s.market, s.reason), [0, 0])
            row[0 if engaged else 1] += 1
            if s.reason == "exploration":
                names.append(("explore_decided", 1.0))
                if engaged:
                    names.append(("explore_engaged", 1.0))
        for name, amount in names:
            for work in (s.work_id, ALL):
                _add(out.buckets, (work, s.market, b), name, amount)
                _add(out.daily, (day, work, s.market), name, amount)
    return out


def _upsert(conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, Any]],
            counters: Sequence[str]) -> None:
    if not rows:
        return
    rows.sort(key=lambda r: tuple(r[k] for k in keys))  # one lock order: no deadlocks between writers
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: table.c[c] + stmt.excluded[c] for c in counters})
    conn.execute(stmt, rows)  # one compiled statement, executemany (no per-batch SQL compilation)


def _counter_rows(keys: Sequence[str], data: dict[Any, Counts]) -> list[dict[str, Any]]:
    out = []
    for key, counts in data.items():
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        for c in COUNTERS:
            value = counts.get(c, 0.0)
            row[c] = value if c in ("watch_sum", "sentiment_sum") else int(value)
        out.append(row)
    return out


def _viewers(conn: Connection, signals: Sequence[Signal], d: Deltas) -> None:
    """New (viewer, market) pairs count once as viewers; a second active day counts once as returning."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in signals:
        seen[(s.viewer_id, s.market)].add(s.at.date().isoformat())
    names = sorted({v for v, _ in seen})
    existing: dict[tuple[str, str], tuple[str, str, int]] = {}
    for start in range(0, len(names), 500):
        for r in conn.execute(select(viewer_markets).where(viewer_markets.c.viewer_id.in_(names[start:start + 500]))):
            existing[(r.viewer_id, r.market)] = (r.first_day, r.last_day, int(r.days))
    fresh: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for (viewer, market), days in seen.items():
        b = bucket_of(viewer)
        if (viewer, market) not in existing:
            fresh.append({"viewer_id": viewer, "market": market, "first_day": min(days),
                          "last_day": max(days), "days": len(days)})
            continue
        first, last, n = existing[(viewer, market)]
        new_days = {day for day in days if day < first or day > last}
        if not new_days:
            continue
        if n == 1:
            _add(d.buckets, (ALL, market, b), "returners")
            _add(d.daily, (min(new_days), ALL, market), "returners")
        changed.append({"v": viewer, "m": market, "f": min(first, *new_days), "l": max(last, *new_days),
                        "n": n + len(new_days)})
    if fresh:
        fresh.sort(key=lambda r: (r["viewer_id"], r["market"]))
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        inserted: set[tuple[str, str]] = set()
        stmt = dialect.insert(viewer_markets).on_conflict_do_nothing()
        if conn.dialect.name == "postgresql":  # concurrent writers: count only the rows this one inserted
            inserted.update((r[0], r[1]) for r in conn.execute(
                stmt.returning(viewer_markets.c.viewer_id, viewer_markets.c.market), fresh))
        else:  # SQLite writers are serialised (BEGIN IMMEDIATE): the check above is exact
            conn.execute(stmt, fresh)
            inserted.update((r["viewer_id"], r["market"]) for r in fresh)
        for row in fresh:
            key = (row["viewer_id"], row["market"])
            if key in inserted:  # another writer may have counted this viewer first
                b = bucket_of(row["viewer_id"])
                _add(d.buckets, (ALL, row["market"], b), "viewers")
                _add(d.daily, (row["first_day"], ALL, row["market"]), "viewers")
                if row["days"] >= 2:
                    _add(d.buckets, (ALL, row["market"], b), "returners")
                    _add(d.daily, (row["last_day"], ALL, row["market"]), "returners")
    if changed:
        vm = viewer_markets.c
        conn.execute(update(viewer_markets).where((vm.viewer_id == bindparam("v")) & (vm.market == bindparam("m")))
                     .values(first_day=bindparam("f"), last_day=bindparam("l"), days=bindparam("n")), changed)


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
    for table in (buckets, daily, retention, reasons, viewer_markets):
        conn.execute(table.delete())
