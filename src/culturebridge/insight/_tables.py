"""The insight stage's tables: moderated comments and the incremental roll-ups.

Roll-ups are updated in the same transaction as the events they count, so a figure never
counts an event twice and never misses a stored one. Every counter row is keyed by a
viewer bucket (a stable hash of the viewer id into `BUCKETS` groups): summing the buckets
gives the total, resampling them gives a bootstrap over viewers without reading events.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from culturebridge.storage import metadata

# The counters every roll-up row carries, in this order (see docs/insight.md).
COUNTERS: tuple[str, ...] = (
    "viewers", "returners", "impressions", "views", "half", "completed", "watch_sum", "likes",
    "shares", "follows", "skips", "comments", "sentiment_sum", "sentiment_n", "explore_decided",
    "explore_engaged",
)
FLOAT_COUNTERS = frozenset({"watch_sum", "sentiment_sum"})


def _counters() -> list[Column[int] | Column[float]]:
    return [Column(name, Float if name in FLOAT_COUNTERS else Integer, nullable=False, default=0)
            for name in COUNTERS]


# Audience comments: stored once per event id, visible to others only after moderation passes.
comments = Table(
    "insight_comments",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("viewer_id", String(40), nullable=False),
    Column("work_id", String(40), nullable=False),
    Column("market", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(8), nullable=True),  # None: not detected with confidence
    Column("sentiment", Float, nullable=True),  # -1..1; None: no lexicon for the language
    Column("status", String(12), nullable=False),  # visible | held | rejected
    Column("moderation", Text, nullable=False, default=""),
    Index("ix_insight_comments_work_market", "work_id", "market"),
)

# One row per (viewer, market): first and last active day, and on how many days.
viewer_markets = Table(
    "insight_viewer_markets",
    metadata,
    Column("viewer_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("first_day", String(10), nullable=False),
    Column("last_day", String(10), nullable=False),
    Column("days", Integer, nullable=False),
)

# One row per (viewer, work, market) ever seen: its insert (ON CONFLICT DO NOTHING) is what
# counts a distinct viewer of a work in a market, exactly once even with concurrent writers.
viewer_works = Table(
    "insight_viewer_works",
    metadata,
    Column("viewer_id", String(40), primary_key=True),
    Column("work_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("first_day", String(10), nullable=False),
)

# One row per (viewer, market) that came back on a second day: the primary key makes two
# writers recording that second day at the same moment count the returning viewer once.
returners = Table(
    "insight_returners",
    metadata,
    Column("viewer_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("day", String(10), nullable=False),
)

# Counters per (work, market, viewer bucket); work_id "*" holds the market's totals.
buckets = Table(
    "insight_buckets",
    metadata,
    Column("work_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("bucket", Integer, primary_key=True),
    *_counters(),
)

# Counters per (day, work, market): the daily aggregates (time series, incremental rebuilds).
daily = Table(
    "insight_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("work_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    *_counters(),
)

# Furthest position reached per view, in RETENTION_BINS coarse bins, per (work, market).
retention = Table(
    "insight_retention",
    metadata,
    Column("work_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("bin", Integer, primary_key=True),
    Column("views", Integer, nullable=False, default=0),
)

# Which feed reason served the slot an event decided, per (work, market, reason).
reasons = Table(
    "insight_reasons",
    metadata,
    Column("work_id", String(40), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("reason", String(16), primary_key=True),
    Column("engaged", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
)

# Figures imported from the platforms creators publish on (never mixed with first-party).
external = Table(
    "insight_external",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("work_id", String(40), nullable=False),
    Column("source", String(16), nullable=False),  # youtube | tiktok
    Column("dimension", String(16), nullable=False),  # geography | content | total
    Column("key", String(200), nullable=False),  # country code, content id, or "total"
    Column("metric", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column("file", String(255), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Index("ix_insight_external_work", "work_id"),
)

# Localization experiments: two localized versions of a work in one market, each viewer
# assigned to one deterministically (hash of experiment and viewer id).
experiments = Table(
    "insight_experiments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("work_id", String(40), nullable=False),
    Column("market", String(16), nullable=False),
    Column("variant_a", String(40), nullable=False),  # served work id of variant A
    Column("variant_b", String(40), nullable=False),
    Column("metric", String(16), nullable=False),  # completion | follow
    Column("alpha", Float, nullable=False),
    Column("tau", Float, nullable=False),  # mSPRT mixing scale, pre-registered
    Column("status", String(12), nullable=False),  # running | stopped
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("stopped_at", DateTime(timezone=True), nullable=True),
    Column("outcome", Text, nullable=False, default=""),
    Index("ix_insight_experiments_work_market", "work_id", "market"),
)

# Per experiment and variant: viewers assigned who viewed, views, completions, follows.
experiment_counts = Table(
    "insight_experiment_counts",
    metadata,
    Column("experiment_id", String(40), primary_key=True),
    Column("variant", String(1), primary_key=True),
    Column("viewer_id", String(40), primary_key=True),
    Column("views", Integer, nullable=False, default=0),
    Column("completed", Integer, nullable=False, default=0),
    Column("follows", Integer, nullable=False, default=0),
)
