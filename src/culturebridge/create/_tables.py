"""The create stage's tables: drafts, their versions, and every generation attempt.

A draft is one line of work on a source (its kind, market); each version is a derived Work
(kind `ai-adaptation` in the lineage graph) with the generation record — endpoint, models,
parameters, seeds, prompt hashes, brief, the canon facts relied on. Attempts are the job log:
every request, including refused, failed and cancelled ones, with no foreign keys so the
history outlives the works.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage import metadata

create_drafts = Table(
    "create_drafts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("source_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("market", String(16), nullable=True),
    Column("created_by", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_create_drafts_source_id", "source_id"),
)

create_versions = Table(
    "create_versions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("draft_id", String(40), ForeignKey("create_drafts.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("parent_work_id", String(40), nullable=False),
    Column("action", String(16), nullable=False),
    Column("brief", Text, nullable=False),
    Column("record", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("draft_id", "number"),
    Index("ix_create_versions_work_id", "work_id"),
)

create_attempts = Table(
    "create_attempts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("draft_id", String(40), nullable=True),
    Column("source_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("brief", Text, nullable=False),
    Column("market", String(16), nullable=True),
    Column("request", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("step", String(200), nullable=True),
    Column("error", Text, nullable=True),
    Column("cancel_requested", Boolean, nullable=False),
    Column("job_id", String(40), nullable=True),
    Column("version_id", String(40), nullable=True),
    Column("created_by", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_create_attempts_source_id", "source_id"),
    Index("ix_create_attempts_created_at", "created_at"),
)
