"""The audit stage's tables: runs, one row per asked cell, the answer cache, and findings handed off."""

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
)

from culturebridge.storage import metadata

# One audit run: the question set as it was (so reports never need the file), the endpoints
# without keys, the languages and sample count; `summary` is the report computed at the end.
runs = Table(
    "audit_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("set_id", String(80), nullable=False),
    Column("set_version", Integer, nullable=False),
    Column("set_digest", String(64), nullable=False),
    Column("question_set", JSON, nullable=False),
    Column("config", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # running | done
    Column("created_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("summary", JSON, nullable=True),
    Index("ix_audit_runs_started_at", "started_at"),
)

# One question asked of one endpoint in one language, sample k: written as soon as it finishes,
# so a crashed run resumes where it stopped. `judgements` is {judge: {refusal, stance}}.
cells = Table(
    "audit_cells",
    metadata,
    Column("run_id", String(40), ForeignKey("audit_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("endpoint", String(40), primary_key=True),
    Column("question_id", String(80), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("sample", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("error", Text, nullable=False, default=""),
    Column("content", Text, nullable=False, default=""),
    Column("choice", Integer, nullable=True),
    Column("cached", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("latency_ms", Integer, nullable=False, default=0),
    Column("prompt_tokens", Integer, nullable=False, default=0),
    Column("completion_tokens", Integer, nullable=False, default=0),
    Column("judgements", JSON, nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)

# Answers by SHA-256 of (base URL, model, parameters, messages, sample index): a re-run of the
# same cells is served from here. Only answers are cached, never failures.
cache = Table(
    "audit_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("content", Text, nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A finding handed off to localization or canon curation, with its evidence (run, question, cells).
findings = Table(
    "audit_findings",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("run_id", String(40), ForeignKey("audit_runs.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", String(80), nullable=False),
    Column("target", String(16), nullable=False),  # glossary | canon
    Column("ip_id", String(40), ForeignKey("ips.id", ondelete="CASCADE"), nullable=False),
    Column("term", String(200), nullable=False, default=""),
    Column("note", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("created_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_audit_findings_ip_id", "ip_id"),
)
