"""The review desk's tables: items, claims, decisions, appeals and the append-only audit log."""

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

# One review of a work under a policy version. `state` is queued|claimed|decided|appealed;
# `decision` is the decision in force (the automated one until a human decides); `texts`
# keeps what was reviewed (per language), so evidence spans stay valid and shadow runs
# replay exactly the same input.
review_items = Table(
    "review_items",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("ip", String(80), nullable=True),
    Column("policy", String(80), nullable=False),
    Column("policy_version", String(32), nullable=False),
    Column("automated_decision", String(16), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("findings", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("fixes", JSON, nullable=False),
    Column("texts", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("round", Integer, nullable=False, default=0),
    Column("queued_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_review_items_state_queued_at", "state", "queued_at"),
    Index("ix_review_items_work_id", "work_id"),
)

# Who holds an item in a round (round 1 = first human decision, 2 = appeal, ...). The
# unique (item_id, round) pair is the second lock behind the conditional UPDATE of the
# item's state: two reviewers can never hold the same item in the same round.
review_assignments = Table(
    "review_assignments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("item_id", String(40), ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("claimed_by", String(40), ForeignKey("users.id"), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("item_id", "round"),
)

# Every decision on an item: the automated one (reviewer NULL, automated true) and each
# human one, tied to a policy clause (EU DSA Art. 17 statement of reasons).
review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("item_id", String(40), ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("reviewer_id", String(40), ForeignKey("users.id"), nullable=True),
    Column("decision", String(16), nullable=False),
    Column("clause", String(80), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("automated", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_review_decisions_item_id", "item_id"),
)

# A creator's appeal of a decision (DSA Art. 20): one per item, decided by a reviewer
# other than the one whose decision is appealed.
review_appeals = Table(
    "review_appeals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("item_id", String(40), ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("creator_id", String(40), ForeignKey("users.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("appealed_decision", String(16), nullable=False),
    Column("excluded_reviewer_id", String(40), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Append-only audit log: no foreign keys (deleting a work or account never deletes its
# history), no code path updates or deletes, and migration 0005 adds triggers that make
# the database itself refuse UPDATE and DELETE on it.
review_audit = Table(
    "review_audit",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(40), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("automated", Boolean, nullable=False),
    Column("action", String(32), nullable=False),
    Column("work_id", String(40), nullable=True),
    Column("item_id", String(40), nullable=True),
    Column("policy", String(80), nullable=True),
    Column("policy_version", String(32), nullable=True),
    Column("decision", String(16), nullable=True),
    Column("clause", String(80), nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_review_audit_at", "at"),
    Index("ix_review_audit_item_id", "item_id"),
)
