"""The labels stage's tables: latest check per asset, labelled renditions, the action log."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage import metadata

# The latest `check_bytes` report per asset (replaced when the asset is checked again).
label_checks = Table(
    "label_checks",
    metadata,
    Column("asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("work_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("tier", String(16), nullable=True),
    Column("report", JSON, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Index("ix_label_checks_work_id", "work_id"),
)

# Assets we produced from another asset: the implicitly labelled rendition of an
# AI-generated upload (purpose "implicit", lang "") and publication copies with an
# explicit label (purpose "publication", lang = the notice's language).
label_renditions = Table(
    "label_renditions",
    metadata,
    Column("asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("source_asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_asset_id", "purpose", "lang"),
)

# Append-only log of labelling actions (Measures Art. 6/Art. 9 ask platforms to keep
# such records; we keep them at least six months). No foreign keys, so deleting a work,
# asset or account never deletes its history; no code path updates or deletes rows.
label_events = Table(
    "label_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(40), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("action", String(32), nullable=False),
    Column("work_id", String(40), nullable=True),
    Column("asset_id", String(40), nullable=True),
    Column("result_asset_id", String(40), nullable=True),
    Column("label", JSON, nullable=True),
    Column("verdict", String(16), nullable=True),
    Column("tier", String(16), nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_label_events_at", "at"),
    Index("ix_label_events_asset_id", "asset_id"),
)
