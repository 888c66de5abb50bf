"""Background jobs and each work's state per pipeline stage."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from culturebridge.storage.metadata import metadata
from culturebridge.storage.metadata import timestamp as _ts

stage_status = Table(
    "stage_status",
    metadata,
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("detail", Text, nullable=True),
    _ts("updated_at"),
    Index("ix_stage_status_stage_state", "stage", "state"),
)


jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=True),
    Column("message", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_by", String(40), ForeignKey("users.id"), nullable=True),
    Column("claimed_by", String(100), nullable=True),
    _ts("created_at"),
    _ts("started_at", nullable=True),
    _ts("finished_at", nullable=True),
    # A running job's claim lasts until `lease_until`; its worker renews it while alive, so a
    # job whose worker died is claimed again by another after the lease (migration 0014_scale).
    _ts("lease_until", nullable=True),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_jobs_state_created_at", "state", "created_at"),
    Index("ix_jobs_created_at", "created_at"),
)
