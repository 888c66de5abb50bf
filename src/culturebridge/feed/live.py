"""The audience feed of a running platform: per-market snapshots, events, learning exploration.

`refresh_catalog` builds one `FeedModel` per market from the database (CLI, job, or the
web process itself) and records a snapshot generation; a `LiveFeed` in the web process
serves from `FeedHolder`s and, when a newer generation appears, rebuilds in a background
thread and swaps without downtime. Every served slot is logged with its reason: a writer
thread stores them in batches (every `SERVED_FLUSH_SECONDS`, or sooner once `SERVED_BATCH`
are waiting), so no request waits on the disk, and an event flushes them first. The first deciding event for a slot settles it; when the slot was
an exploration slot, the outcome updates the Thompson explorer in memory and, in the same
transaction as the event, its stored arms, so a restart or another process still credits it.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, select

from culturebridge import catalog, labels
from culturebridge.errors import InvalidFeedRequest, UnknownMarket
from culturebridge.feed._tables import snapshots
from culturebridge.feed.catalog_model import (
    BuildConfig,
    ContentCache,
    build_market_model,
    load_market,
)
from culturebridge.feed.content import TextEncoder, UsemEncoder
from culturebridge.feed.models import one_blas_thread
from culturebridge.feed.serving import FeedHolder, FeedModel, serve
from culturebridge.feed.store import (
    Event,
    ServedRow,
    add_arm_result,
    add_snapshot,
    base_lang,
    catalog_stamp,
    check_market,
    count_events,
    get_publication,
    list_publications,
    log_served,
    published_markets,
    record_event,
    roll_up_served,
    settle_served,
)
from culturebridge.ids import now
from culturebridge.platform import Platform

log = logging.getLogger(__name__)

# Called in the transaction that stores an event, with the reason of the served slot the
# event decided (None when it decided none): how later stages keep roll-ups exact.
EventSink = Callable[[Connection, Event, str | None], None]
EVENT_SINKS: list[EventSink] = []


# Asked for every served card: (platform, viewer, market, work id) -> the id of another
# version of the work to show this viewer instead (a localization experiment), or None.
VariantChooser = Callable[[Platform, str, str, str], str | None]
VARIANT_CHOOSERS: list[VariantChooser] = []


def add_variant_chooser(chooser: VariantChooser) -> None:
    """Let `chooser` swap the version of a work a viewer is shown (once per chooser)."""
    if chooser not in VARIANT_CHOOSERS:
        VARIANT_CHOOSERS.append(chooser)


def add_event_sink(sink: EventSink) -> None:
    """Have `sink` called for every event the live feed stores (once per sink)."""
    if sink not in EVENT_SINKS:
        EVENT_SINKS.append(sink)

MAX_FEED = 100
SERVED_BATCH = 500
SERVED_FLUSH_SECONDS = 1.0
SERVED_BACKLOG = 200_000
RECENT_VIEWERS = 100_000  # (viewer, market) pairs whose engagements since the last refresh are kept (LRU)
ROLL_UP_EVERY_SECONDS = 3600.0  # how often a serving process rolls up slots past retention
SNAPSHOT_PREFIX = "feed/snapshots"
SNAPSHOT_FORMAT = "culturebridge.feed-snapshots/1"
SNAPSHOT_KEEP_SECONDS = 600
# Requests computing a feed at the same time in one process. The work is CPU-bound Python and
# numpy under the GIL and a few short locks (the exploration pacer); with 32 request threads
# all in it, each lock holder queued for the GIL behind the others (a lock convoy: p99 of
# seconds at 32 concurrent clients). Past this many, requests wait on a semaphore instead.
SERVING_AT_ONCE = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
@dataclass(frozen=True)
class Card:
    """What the audience sees of one work in a market."""

    work_id: str
    kind: str
    title: str
    synopsis: str
    language: str
    label: str
    media: tuple[tuple[str, str], ...]  # (served asset id, media type)


@dataclass(frozen=True)
class ServedSlot:
    """A card with the reason it was served and its blended score."""

    card: Card
    reason: str
    score: float


@dataclass(frozen=True)
class MarketSnapshot:
    """A market's model and cards, swapped together."""

    model: FeedModel
    cards: dict[str, Card]
    collaborative: bool


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh built."""

    generation: int
    markets: dict[str, int]  # items per market
    events: int
    collaborative: tuple[str, ...]
    seconds: float
    snapshots: dict[str, MarketSnapshot] = field(default_factory=dict, repr=False, compare=False)


def cache_path(platform: Platform) -> Path:
    """Where content vectors are cached between refreshes."""
    return platform.settings.data_dir / "feed" / "content-cache.npz"


def refresh_catalog(platform: Platform, encoder: TextEncoder | None = None,
                    config: BuildConfig | None = None) -> RefreshReport:
    """Build every market's snapshot from the database and record a new generation."""
    start = time.perf_counter()
    cache = ContentCache(encoder or UsemEncoder(threads=1), cache_path(platform))
    built: dict[str, MarketSnapshot] = {}
    with platform.db.read() as conn:
        markets = published_markets(conn)
        catalogs = {m: load_market(conn, m) for m in markets}
        cards = {m: _cards(conn, m) for m in markets}
        n_events = count_events(conn)
    for m, cat in catalogs.items():
        model, cf = build_market_model(cat, cache.vectors(cat.texts), config)
        built[m] = MarketSnapshot(model, cards[m], cf)
    name = save_snapshots(platform, built)
    with platform.db.write() as conn:
        generation = add_snapshot(conn, len(built), sum(len(c.work_ids) for c in catalogs.values()), n_events,
                                  any(s.collaborative for s in built.values()), name)
    return RefreshReport(generation, {m: len(c.work_ids) for m, c in catalogs.items()}, n_events,
                         tuple(m for m, s in built.items() if s.collaborative), time.perf_counter() - start, built)


def save_snapshots(platform: Platform, built: dict[str, MarketSnapshot]) -> str:
    """Save built snapshots among the shared files, before their generation is recorded, so
    every web process loads them instead of building its own; returns the shared name."""
    name = f"{SNAPSHOT_PREFIX}/{uuid.uuid4().hex}.pickle"
    with tempfile.TemporaryDirectory(prefix="cb-feed-") as tmp:
        path = Path(tmp) / "snap"
        with path.open("wb") as out:
            pickle.dump({"format": SNAPSHOT_FORMAT, "snapshots": built}, out, protocol=pickle.HIGHEST_PROTOCOL)
        platform.files.put(name, path)
    for entry in platform.files.list(SNAPSHOT_PREFIX):  # keep the newest few: readers may be mid-load
        if entry.name != name and entry.modified < time.time() - SNAPSHOT_KEEP_SECONDS:
            platform.files.delete(entry.name)
    return name


def load_snapshots(platform: Platform, name: str) -> dict[str, MarketSnapshot] | None:
    """Snapshots saved by `save_snapshots` (our own platform's files: trusted like the database)."""
    if not name.startswith(SNAPSHOT_PREFIX + "/"):
        return None  # a generation recorded before snapshots were shared
    with tempfile.TemporaryDirectory(prefix="cb-feed-") as tmp:
        path = Path(tmp) / "snap"
        if not platform.files.get(name, path):
            return None
        with path.open("rb") as fh:
            head = pickle.load(fh)
    if not isinstance(head, dict) or head.get("format") != SNAPSHOT_FORMAT:
        return None
    snaps = head["snapshots"]
    return snaps if isinstance(snaps, dict) else None


def _cards(conn: Connection, market: str) -> dict[str, Card]:
    out: dict[str, Card] = {}
    for pub in list_publications(conn, market=market):
        work = catalog.get_work(conn, pub.work_id)
        served = catalog.get_work(conn, pub.served_work_id)
        media = tuple((served_id, catalog.get_asset(conn, served_id).media_type) for _, served_id in pub.assets)
        out[work.id] = Card(work.id, work.kind, served.title(pub.language), served.synopsis(pub.language),
                            pub.language, pub.label, media)
    return out


class RateLimiter:
    """Token bucket per client: `rate` events a second, bursts up to `burst`."""

    def __init__(self, rate: float = 10.0, burst: float = 60.0, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, at: float | None = None) -> bool:
        """Take one token for `client`; False when the client is over its rate."""
        t = time.monotonic() if at is None else at
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, t))
            tokens = min(self.burst, tokens + (t - last) * self.rate)
            ok = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if ok else tokens, t)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return ok


class LiveFeed:
    """Serves the audience feed of one platform and learns from its events."""

    def __init__(self, platform: Platform, encoder: TextEncoder | None = None, poll_seconds: float = 5.0,
                 limiter: RateLimiter | None = None, config: BuildConfig | None = None) -> None:
        self.platform = platform
        self.encoder = encoder or UsemEncoder(threads=1)
        self.poll_seconds = poll_seconds
        self.limiter = limiter or RateLimiter()
        self.config = config
        self.generation = -1
        self.stamp: tuple[int, int, str] | None = None
        self._holders: dict[str, FeedHolder] = {}
        self._cards: dict[str, dict[str, Card]] = {}
        self._recent: OrderedDict[tuple[str, str], set[int]] = OrderedDict()  # at most RECENT_VIEWERS
        self._served: list[ServedRow] = []
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._checked = 0.0
        self._lock = threading.RLock()  # refresh() runs under it on first use
        self._building = False
        self._gate = threading.BoundedSemaphore(SERVING_AT_ONCE)
        self.serving = ThreadPoolExecutor(SERVING_AT_ONCE, thread_name_prefix="feed-serve")  # for the web edge
        self._variant_text: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    # --- snapshots -------------------------------------------------------------------------

    def load_latest(self) -> bool:
        """Swap in the snapshots of the newest generation a refresh job saved; False if none is usable."""
        with self.platform.db.read() as conn:
            stamp = catalog_stamp(conn)
            row = conn.execute(select(snapshots.c.file).where(snapshots.c.id == stamp[0])).first()
        if row is None or self.config is not None:
            return False
        built = load_snapshots(self.platform, str(row.file))
        if built is None:
            return False
        self._swap_all(built, stamp[0])
        self.stamp = stamp
        return True

    def _swap_all(self, built: dict[str, MarketSnapshot], generation: int) -> None:
        for market, snap in built.items():
            self.install(market, snap.model, snap.cards)
        for gone in set(self._holders) - set(built):
            self._holders.pop(gone, None)
        self.generation = generation
        with self._lock:
            self._recent.clear()

    def refresh(self) -> RefreshReport:
        """Rebuild every market now and swap the snapshots in."""
        with self.platform.db.read() as conn:
            stamp = catalog_stamp(conn)
        report = refresh_catalog(self.platform, self.encoder, self.config)
        self.stamp = (report.generation, stamp[1], stamp[2])  # as read before the build: later changes still count
        for market, snap in report.snapshots.items():
            self.install(market, snap.model, snap.cards)
        for gone in set(self._holders) - set(report.snapshots):
            self._holders.pop(gone, None)
        self.generation = report.generation
        with self._lock:
            self._recent.clear()
        return report

    def install(self, market: str, model: FeedModel, cards: dict[str, Card]) -> None:
        """Swap in a market's snapshot (readers keep the one they started with)."""
        self._cards[market] = cards
        holder = self._holders.get(market)
        if holder is None:
            self._holders[market] = FeedHolder(model)
        else:
            holder.swap(model)

    def ensure_current(self) -> None:
        """Build on first use; later, pick up newer generations in the background."""
        if self.generation < 0:
            with self._lock:
                if self.generation < 0 and not self.load_latest():
                    self.refresh()
                self._checked = time.monotonic()  # what was just loaded is current
            return
        now = time.monotonic()
        if now - self._checked < self.poll_seconds or self._building:
            return
        self._checked = now
        with self.platform.db.read() as conn:
            stamp = catalog_stamp(conn)
        if self.stamp is not None and stamp != self.stamp:
            self.refresh_in_background(new_generation=stamp[0] != self.stamp[0])
        self.stamp = stamp

    def answers_from_memory(self) -> bool:
        """Whether `feed` would answer without the database: snapshots loaded and the catalogue
        checked within `poll_seconds` (or a refresh already running). The web edge answers such
        requests on its event loop; the rest go to `serving`. (The one read left is a localization
        experiment variant's text, once per variant and process, the first time it is shown.)"""
        if self.generation < 0:
            return False
        return self._building or time.monotonic() - self._checked < self.poll_seconds

    def refresh_in_background(self, new_generation: bool = False) -> None:
        """Load a newer generation (or rebuild) in a thread; requests keep the current snapshots meanwhile."""
        if self._building:
            return
        self._building = True

        def run() -> None:
            try:
                if not (new_generation and self.load_latest()):
                    self.refresh()
            finally:
                self._building = False

        threading.Thread(target=run, name="feed-refresh", daemon=True).start()

    @property
    def markets(self) -> tuple[str, ...]:
        """Markets being served."""
        return tuple(sorted(self._holders))

    # --- serving ----------------------------------------------------------------------------

    def feed(self, viewer: str, market: str, n: int) -> list[ServedSlot]:
        """Up to n cards for a viewer in a market, each with its reason."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_FEED:
            raise InvalidFeedRequest(f"cannot serve {n!r} items", hint=f"ask for 1 to {MAX_FEED}")
        check_market(market)
        self.ensure_current()
        holder = self._holders.get(market)
        if holder is None:
            raise UnknownMarket(market, self.markets)
        one_blas_thread()
        with self._gate:  # as many serving at once as there are CPUs; the rest wait without the GIL
            model, cards = holder.model, self._cards[market]
            recent = self._recent.get((viewer, market))
            if recent:
                history = set(model.histories.get(viewer, np.zeros(0, dtype=np.int64)).tolist()) | recent
                model = model.with_user(viewer, sorted(history))
            slots = serve(model, viewer, market, n)
        at = now()
        log: list[ServedRow] = []
        out: list[ServedSlot] = []
        for position, slot in enumerate(slots):  # outside the gate: a variant's text may be read once
            work_id = model.item_ids[slot.item]
            log.append(ServedRow(viewer, market, work_id, position, slot.reason, float(slot.score),
                                 self.generation, at))
            out.append(ServedSlot(self._variant(cards[work_id], viewer, market), slot.reason, float(slot.score)))
        self._log(log)
        return out

    def _variant(self, card: Card, viewer: str, market: str) -> Card:
        """The card as this viewer sees it: another version's title and synopsis when a chooser says so.

        An AI-generated version's text carries the visible notice even when the published
        version needed none (Measures for Labelling AI-Generated Content Art. 4; GB 45438-2025
        clause 4.1: explicit labels on generated text).
        """
        for chooser in VARIANT_CHOOSERS:
            other = chooser(self.platform, viewer, market, card.work_id)
            if other is not None:
                key = (market, card.work_id, other)
                if key not in self._variant_text:
                    with self.platform.db.read() as conn:
                        version = catalog.get_work(conn, other)
                    label = card.label
                    if version.ai_generated and not label:
                        label = labels.publication_notice(self.platform, [], base_lang(card.language))
                    self._variant_text[key] = (version.title(card.language), version.synopsis(card.language), label)
                title, synopsis, label = self._variant_text[key]
                return replace(card, title=title, synopsis=synopsis, label=label)
        return card

    def _log(self, rows: list[ServedRow]) -> None:
        with self._lock:
            self._served.extend(rows)
            full = len(self._served) >= SERVED_BATCH
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="feed-served-log", daemon=True)
                self._writer.start()
        if full:
            self._wake.set()

    def _write_loop(self) -> None:
        rolled = 0.0
        while True:
            self._wake.wait(SERVED_FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush_served()
                if time.monotonic() - rolled >= ROLL_UP_EVERY_SECONDS:
                    rolled = time.monotonic()
                    self.roll_up()
            except Exception:  # keep the thread alive: the rows stay queued for the next try
                log.exception("could not write served feed slots; retrying")

    def roll_up(self) -> int:
        """Roll up served slots older than `served_retention_days` into daily counts (short writes)."""
        cutoff = now() - timedelta(days=self.platform.settings.served_retention_days)
        total = 0
        while True:
            with self.platform.db.write() as conn:
                done = roll_up_served(conn, cutoff)
            total += done
            if done == 0:
                return total

    def flush_served(self) -> None:
        """Write the served slots held in memory to the log (rows that fail stay queued)."""
        with self._flush_lock:
            with self._lock:
                rows, self._served = self._served, []
            if not rows:
                return
            try:
                with self.platform.db.write() as conn:
                    log_served(conn, rows)
            except BaseException:
                with self._lock:
                    # Keep them for the next try, but never more than SERVED_BACKLOG.
                    self._served[:0] = rows
                    del self._served[: max(0, len(self._served) - SERVED_BACKLOG)]
                raise

    # --- events -----------------------------------------------------------------------------

    def record(self, event: Event) -> bool:
        """Store an event (once per id); learn from it when it answers an exploration slot."""
        self.flush_served()
        with self.platform.db.write() as conn:
            get_publication(conn, event.work_id, event.market)
            stored = record_event(conn, event)
            reason = settle_served(conn, event) if stored else None
            decided = reason == "exploration"
            if decided:
                add_arm_result(conn, event.market, event.work_id, event.engaged)
            if stored:
                for sink in EVENT_SINKS:
                    sink(conn, event, reason)
        if not stored:
            return False
        holder = self._holders.get(event.market)
        if holder is not None and event.work_id in holder.model.item_ids:
            model = holder.model
            item = model.item_ids.index(event.work_id)
            if decided:
                model.explorer.update(item, event.market, event.engaged)
            if event.engaged:
                with self._lock:
                    key = (event.viewer_id, event.market)
                    seen = self._recent.pop(key, set())
                    seen.add(item)
                    self._recent[key] = seen
                    while len(self._recent) > RECENT_VIEWERS:  # the least recently engaged viewer goes
                        self._recent.popitem(last=False)
        return True
