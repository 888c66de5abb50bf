"""Reading the roll-ups: the market index, a work's analytics, the cultural-discount diagnostic.

Every function reads roll-up rows (markets x buckets, or one work's rows), never the event
log, so its cost does not grow with the number of events (docs/insight.md, "Roll-ups").
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from culturebridge import catalog
from culturebridge.feed import iter_events, list_publications
from culturebridge.ids import as_utc, now
from culturebridge.insight import rollup
from culturebridge.insight._tables import COUNTERS, buckets, comments, external, reasons, retention
from culturebridge.insight.index import (
    COL,
    Array,
    Figure,
    IndexResult,
    compute_index,
    resample_weights,
)
from culturebridge.insight.methodology import Methodology, load
from culturebridge.insight.rollup import ALL, BUCKETS, RETENTION_BINS, Signal

MIN_WORK_VIEWERS = 30  # distinct viewers below which a work's rates in a market show "not enough data"


def bucket_counts(conn: Connection, work_id: str = ALL) -> dict[str, Array]:
    """BUCKETS x COUNTERS sums per market, for the market totals or one work."""
    out: dict[str, Array] = {}
    cols = [buckets.c[c] for c in COUNTERS]
    for row in conn.execute(select(buckets.c.market, buckets.c.bucket, *cols).where(buckets.c.work_id == work_id)):
        if row[0] not in out:
            out[row[0]] = np.zeros((BUCKETS, len(COUNTERS)))
        out[row[0]][int(row[1])] = row[2:]
    return out


_index_cache: dict[tuple[str, str, str | None, int], tuple[tuple[Any, ...], IndexResult]] = {}


def _stamp(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever any market total changes (a few hundred rows, no events)."""
    row = conn.execute(select(func.count(), func.sum(buckets.c.viewers), func.sum(buckets.c.views),
                              func.sum(buckets.c.impressions), func.sum(buckets.c.likes + buckets.c.shares
                                                                        + buckets.c.follows + buckets.c.comments
                                                                        + buckets.c.returners + buckets.c.skips
                                                                        + buckets.c.explore_decided))
                       .where(buckets.c.work_id == ALL)).one()
    return tuple(row)


def market_index(conn: Connection, method: Methodology | None = None, *, market: str | None = None,
                 seed: int = 0) -> IndexResult:
    """The index of every market with events (or one); recomputed only when the market totals changed."""
    method = method or load()
    key = (str(conn.engine.url), repr(method), market, seed)
    stamp = _stamp(conn)
    hit = _index_cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    result = compute_index(bucket_counts(conn), method, seed=seed, market=market)
    if len(_index_cache) > 64:
        _index_cache.clear()
    _index_cache[key] = (stamp, result)
    return result


def _rate_figures(c: Array, boot: Array) -> dict[str, Figure | None]:
    """Every rate of RATES with its 95% percentile interval over the bootstrap replicates `boot`."""
    sums = c.sum(axis=0)
    nums = [COL[n] for n, _ in RATES.values()]
    dens = [COL[d] for _, d in RATES.values()]
    with np.errstate(invalid="ignore", divide="ignore"):
        vals = boot[:, nums] / boot[:, dens]
    vals = np.where(np.isfinite(vals), vals, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: that rate has no denominator
        lo, hi = np.nanquantile(vals, [0.025, 0.975], axis=0)
    return {name: None if sums[d] <= 0 else Figure(float(sums[n] / sums[d]), float(lo[k]), float(hi[k]))
            for k, (name, n, d) in enumerate(zip(RATES, nums, dens, strict=True))}


FUNNEL = ("impressions", "views", "half", "completed", "likes", "shares", "follows")
RATES = {"view_rate": ("views", "impressions"), "half_watched": ("half", "views"), "completion": ("completed", "views"),
         "average_view_percentage": ("watch_sum", "views"), "like_rate": ("likes", "views"),
         "share_rate": ("shares", "views"), "follow_rate": ("follows", "views"),
         "comment_sentiment": ("sentiment_sum", "sentiment_n")}


@dataclass(frozen=True)
class WorkMarket:
    market: str
    version: str  # "original" or the served localized work's id
    version_title: str
    viewers: int  # distinct viewers of the work in the market
    funnel: dict[str, int]
    rates: dict[str, Figure | None]
    enough_data: bool
    retention: list[float]  # share of views reaching each 5% step (0%, 5%, ... 100%)
    reasons: dict[str, tuple[int, int]]  # reason -> (engaged, skipped)
    comments: list[dict[str, Any]]  # visible comments, newest first
    held_comments: int
    discount: float | None  # 1 - completion / median completion of the market's works

    def to_dict(self) -> dict[str, Any]:
        return {"market": self.market, "version": self.version, "version_title": self.version_title,
                "viewers": self.viewers, "funnel": self.funnel, "enough_data": self.enough_data,
                "rates": {k: None if v is None else {"value": round(v.value, 4), "ci": v.to_list()}
                          for k, v in self.rates.items()},
                "retention": [round(x, 4) for x in self.retention],
                "reasons": {k: {"engaged": e, "skipped": s} for k, (e, s) in self.reasons.items()},
                "comments": self.comments, "held_comments": self.held_comments,
                "cultural_discount": None if self.discount is None else round(self.discount, 4)}


@dataclass(frozen=True)
class WorkReport:
    work_id: str
    title: str
    markets: tuple[WorkMarket, ...]
    external: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"work_id": self.work_id, "title": self.title, "first_party": [m.to_dict() for m in self.markets],
                "external": self.external}


_completion_cache: dict[str, tuple[float, dict[str, dict[str, float]]]] = {}
COMPLETION_TTL = 60.0  # seconds a process reuses the per-work completion table (a diagnostic baseline)


def completion_by_work(conn: Connection, *, max_age: float = COMPLETION_TTL) -> dict[str, dict[str, float]]:
    """completion(t, m) per market and work with at least MIN_WORK_VIEWERS distinct viewers (cached for `max_age` s)."""
    key = str(conn.engine.url)
    hit = _completion_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < max_age:
        return hit[1]
    out = _completion_by_work(conn)
    _completion_cache[key] = (time.monotonic(), out)
    return out


def _completion_by_work(conn: Connection) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    rows = conn.execute(select(buckets.c.work_id, buckets.c.market, func.sum(buckets.c.views),
                               func.sum(buckets.c.completed), func.sum(buckets.c.viewers))
                        .where(buckets.c.work_id != ALL).group_by(buckets.c.work_id, buckets.c.market))
    for work_id, market, views, completed, viewers in rows:
        if views and viewers and viewers >= MIN_WORK_VIEWERS:
            out[market][work_id] = float(completed or 0) / float(views)
    return out


def _work_buckets(conn: Connection) -> dict[str, dict[str, Array]]:
    """Per market and work with at least MIN_WORK_VIEWERS viewers: BUCKETS x (views, completed)."""
    raw: dict[tuple[str, str], Array] = {}
    for work_id, market, bucket, views, completed, viewers in conn.execute(
            select(buckets.c.work_id, buckets.c.market, buckets.c.bucket, buckets.c.views, buckets.c.completed,
                   buckets.c.viewers).where(buckets.c.work_id != ALL)):
        a = raw.get((market, work_id))
        if a is None:
            a = raw[(market, work_id)] = np.zeros((BUCKETS, 3))
        a[int(bucket)] = (views, completed, viewers)
    out: dict[str, dict[str, Array]] = defaultdict(dict)
    for (market, work_id), a in raw.items():
        if a[:, 0].sum() > 0 and a[:, 2].sum() >= MIN_WORK_VIEWERS:
            out[market][work_id] = a[:, :2]
    return out


DISCOUNT_REPLICATES = 400


def cultural_discount(conn: Connection, *, seed: int = 0) -> list[dict[str, Any]]:
    """Hoskins & Mirus (1988), operationalised as 1 - completion(t,m) / median completion in m,
    per work outside its home language, with its localization variant and IP: a diagnostic
    beside the index, never inside it. `ci` is a 95% percentile bootstrap interval over
    viewers: each replicate resamples a market's viewer buckets once for all its works (a
    viewer is in the same bucket for every work), recomputing the work's completion and the
    market's median, so the baseline's own uncertainty is in the interval."""
    by_market = _work_buckets(conn)
    rng = np.random.default_rng(seed)
    out = []
    for market, works in sorted(by_market.items()):
        names = sorted(works)
        stacked = np.stack([works[w] for w in names])  # (works, BUCKETS, 2)
        totals = stacked.sum(axis=1)
        completion = totals[:, 1] / totals[:, 0]
        base = float(median(completion.tolist()))
        weights = resample_weights(rng, DISCOUNT_REPLICATES, BUCKETS)  # (R, BUCKETS)
        rep = np.einsum("rb,wbk->rwk", weights, stacked)
        with np.errstate(invalid="ignore", divide="ignore"):
            rep_completion = rep[:, :, 1] / rep[:, :, 0]  # (R, works); NaN when a replicate drew no view
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                rep_base = np.nanmedian(rep_completion, axis=1)
            rep_discount = 1.0 - rep_completion / rep_base[:, None]
        for k, work_id in enumerate(names):
            work = catalog.get_work(conn, work_id)
            if market.split("/", 1)[1] == work.original_language or base <= 0:
                continue
            pubs = list_publications(conn, market=market, work_id=work_id)
            variant = "original"
            if pubs and pubs[0].served_work_id != work_id:
                kinds = {d.kind for d in catalog.sources_of(conn, pubs[0].served_work_id)}
                variant = "localized (" + ", ".join(sorted(kinds)) + ")" if kinds else "localized"
            ip = catalog.get_ip_by_id(conn, work.ip_id).name if work.ip_id else ""
            draws = rep_discount[:, k][np.isfinite(rep_discount[:, k])]
            ci = [round(float(q), 4) for q in np.quantile(draws, [0.025, 0.975])] if draws.size else None
            out.append({"work_id": work_id, "title": work.title(), "market": market, "variant": variant, "ip": ip,
                        "kind": work.kind, "completion": round(float(completion[k]), 4), "baseline": round(base, 4),
                        "discount": round(1.0 - float(completion[k]) / base, 4), "ci": ci})
    return out


DISCOUNT_GROUPS = ("variant", "ip", "kind")  # what the cultural discount is summarised by


def discount_summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median cultural discount and count per localization variant, per IP and per kind of work."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for by in DISCOUNT_GROUPS:
        groups: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            groups[str(r[by]) or "(none)"].append(float(r["discount"]))
        out[by] = {k: {"median": round(median(v), 4), "works": len(v)} for k, v in sorted(groups.items())}
    return out


def work_report(conn: Connection, work_id: str, *, seed: int = 0, comments_limit: int = 20) -> WorkReport:
    """A work's funnel, rates with intervals, retention, feed reasons, comments and versions per market."""
    work = catalog.get_work(conn, work_id)
    rng = np.random.default_rng(seed)
    counts = bucket_counts(conn, work_id)
    pubs = {p.market: p for p in list_publications(conn, work_id=work_id)}
    completion = completion_by_work(conn)
    ret: dict[str, list[int]] = defaultdict(lambda: [0] * (RETENTION_BINS + 1))
    for r in conn.execute(select(retention).where(retention.c.work_id == work_id)):
        ret[r.market][int(r.bin)] += int(r.views)
    why: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in conn.execute(select(reasons).where(reasons.c.work_id == work_id)):
        why[r.market][r.reason] = (int(r.engaged), int(r.skipped))
    held_by_market = {str(m): int(n) for m, n in conn.execute(
        select(comments.c.market, func.count()).where((comments.c.work_id == work_id) & (comments.c.status != "visible"))
        .group_by(comments.c.market))}
    shown: dict[str, list[Any]] = defaultdict(list)
    if comments_limit > 0:
        rows = conn.execute(select(comments.c.market, comments.c.text, comments.c.language, comments.c.sentiment,
                                   comments.c.at)
                            .where((comments.c.work_id == work_id) & (comments.c.status == "visible"))
                            .order_by(comments.c.at.desc()).limit(comments_limit * 20))
        for r in rows:
            shown[r.market].append(r)
    out = []
    for market in sorted(set(counts) | set(pubs)):
        c = counts.get(market, np.zeros((BUCKETS, len(COUNTERS))))
        sums = c.sum(axis=0)
        funnel = {k: int(sums[COL[k]]) for k in FUNNEL}
        bins = ret[market]
        total = sum(bins)
        curve = [sum(bins[i:]) / total if total else 0.0 for i in range(RETENTION_BINS + 1)]
        pub = pubs.get(market)
        version, version_title = "original", work.title()
        if pub is not None and pub.served_work_id != work_id:
            version = pub.served_work_id
            version_title = catalog.get_work(conn, pub.served_work_id).title(pub.language)
        visible = shown.get(market, [])[:comments_limit]
        held = held_by_market.get(market, 0)
        market_completion = completion.get(market, {})
        disc = None
        if work_id in market_completion and market.split("/", 1)[1] != work.original_language:
            base = median(market_completion.values())
            disc = 1.0 - market_completion[work_id] / base if base > 0 else None
        boot = resample_weights(rng, 400, c.shape[0]) @ c
        viewers = int(sums[COL["viewers"]])
        out.append(WorkMarket(
            market, version, version_title, viewers, funnel, _rate_figures(c, boot),
            viewers >= MIN_WORK_VIEWERS, curve, why.get(market, {}),
            [{"text": r.text, "language": r.language, "sentiment": r.sentiment, "at": as_utc(r.at).isoformat()}
             for r in visible], int(held), disc))
    ext = [{"source": r.source, "dimension": r.dimension, "key": r.key, "metric": r.metric, "value": r.value,
            "file": r.file} for r in conn.execute(select(external).where(external.c.work_id == work_id)
                                                    .order_by(external.c.id))]
    return WorkReport(work_id, work.title(), tuple(out), ext)


def rebuild(conn: Connection) -> int:
    """Recompute every roll-up from the stored events and comments (after a methodology change)."""
    from culturebridge.insight._tables import experiment_counts

    rollup.clear(conn)
    conn.execute(experiment_counts.delete())
    n = 0
    from culturebridge.insight import experiments

    for chunk in iter_events(conn):
        signals = [Signal(e.event_id, e.viewer_id, e.work_id, e.market, e.type, e.at or now(),
                          e.watch_fraction) for e in chunk]
        rollup.apply(conn, signals)
        experiments.count(conn, signals)
        n += len(signals)
    rows = conn.execute(select(comments)).all()
    signals = [Signal(r.event_id, r.viewer_id, r.work_id, r.market, "comment", as_utc(r.at),
                      sentiment=r.sentiment if r.status == "visible" else None) for r in rows]
    rollup.apply(conn, signals)
    return n + len(signals)
