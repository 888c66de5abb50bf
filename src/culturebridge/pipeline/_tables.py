"""The pipeline's own tables (automation): the workspace's rules, and every run of a rule on a work."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, String, Table, Text

from culturebridge.storage import metadata

# A rule: when `trigger` happens to a work meeting `condition`, do `action` with `params`.
automation_rules = Table(
    "automation_rules",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("condition", JSON, nullable=False),
    Column("action", String(32), nullable=False),
    Column("params", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_by", String(40), ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# What a rule did to a work and why (kept when the rule is removed: no foreign key to it).
automation_runs = Table(
    "automation_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("rule_id", String(40), nullable=False),
    Column("rule_name", String(200), nullable=False),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("asset_id", String(40), nullable=True),
    Column("action", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("actor_id", String(40), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_automation_runs_work_id_at", "work_id", "at"),
    Index("ix_automation_runs_rule_id_work_id", "rule_id", "work_id"),
)
