"""The feed stage's tables: publications, their served assets, viewers, events, served slots, explorer arms, snapshots."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage import metadata

# One row per (work, market): the work is offered to the market's audience. `served_work_id`
# is the version shown there (a translation derivative in the market's language, else the
# work itself); `label` is the AI label text shown with it ("" when none is required).
publications = Table(
    "feed_publications",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("market", String(16), nullable=False),
    Column("language", String(16), nullable=False),
    Column("served_work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("label", Text, nullable=False, default=""),
    Column("published_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("work_id", "market"),
    Index("ix_feed_publications_market", "market"),
)

# The files a publication serves: `served_asset_id` is the labelled rendition of an AI work's
# asset (labels stage) or the asset itself. /feed/media serves only `served_asset_id`s.
publication_assets = Table(
    "feed_publication_assets",
    metadata,
    Column("publication_id", String(40), ForeignKey("feed_publications.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("served_asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Index("ix_feed_publication_assets_served_asset_id", "served_asset_id"),
)

# Anonymous audience members, known by the id in their cookie.
viewers = Table(
    "feed_viewers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("market", String(16), nullable=False),
    Column("language", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Audience events; the client's event id is the key, so a retried POST is stored once.
events = Table(
    "feed_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("viewer_id", String(40), ForeignKey("feed_viewers.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("market", String(16), nullable=False),
    Column("type", String(16), nullable=False),
    Column("watch_fraction", Float, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_feed_events_market_at", "market", "at"),
    Index("ix_feed_events_viewer_id", "viewer_id"),
)

# Thompson-sampling state per (segment, work), so a restart keeps what exploration learned.
explorer_arms = Table(
    "feed_explorer_arms",
    metadata,
    Column("segment", String(16), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), primary_key=True),
    Column("wins", Float, nullable=False, default=0.0),
    Column("trials", Float, nullable=False, default=0.0),
)

# Every slot served to a viewer, with why it was chosen; `outcome` ("engaged" or "skipped")
# is set by the first deciding event, which is how an exploration slot's result reaches the
# explorer even when the event arrives after a restart or at another process. An append-only
# log: no foreign keys, so writing it never waits on or fails over the catalogue.
served = Table(
    "feed_served",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("viewer_id", String(40), nullable=False),
    Column("market", String(16), nullable=False),
    Column("work_id", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("served_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=True),
    Index("ix_feed_served_viewer_market_work", "viewer_id", "market", "work_id"),
)

# Each `feed refresh`: what the snapshot held; servers reload when a newer row appears.
snapshots = Table(
    "feed_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("markets", Integer, nullable=False),
    Column("items", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("collaborative", Boolean, nullable=False),
    Column("file", String(255), nullable=False),
)

# Served slots older than `served_retention_days`, rolled up per UTC day, market and reason
# (the row-by-row log above is deleted once counted here).
served_daily = Table(
    "feed_served_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("market", String(16), primary_key=True),
    Column("reason", String(16), primary_key=True),
    Column("served", Integer, nullable=False),
    Column("engaged", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
)
