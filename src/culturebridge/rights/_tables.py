"""The rights tables: the log (head, leaves, subtree hashes, checkpoints) and works' certificates."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from culturebridge.storage import metadata

# One row per log; appends lock it (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE
# on SQLite) so sequencing happens in the database and concurrent writers never fork.
log_head = Table(
    "rights_log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
)

# The exact leaf bytes (a signed claim), by index: the source of `tile/entries/<N>`.
log_leaves = Table(
    "rights_log_leaves",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# Every perfect subtree hash, keyed by `level << 48 | index` (level 0 = leaf hashes). Any
# RFC 9162 proof is a fold of O(log n) of these; C2SP tiles are ranges of them.
log_nodes = Table(
    "rights_log_nodes",
    metadata,
    Column("node_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

log_checkpoints = Table(
    "rights_log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("key_name", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("timestamp_token", LargeBinary, nullable=True),
)

# A work's registrations: one row per claim logged for it (the newest is its certificate).
# The checkpoint columns are filled once a checkpoint covering the entry is signed.
certificates = Table(
    "rights_certificates",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("licence", String(32), nullable=False),
    Column("licence_terms", Text, nullable=True),
    Column("signer_id", String(40), ForeignKey("users.id"), nullable=False),
    Column("registered_by", String(40), ForeignKey("users.id"), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("tree_size", BigInteger, nullable=True),
    Column("checkpoint", Text, nullable=True),
    Index("ix_rights_certificates_work_id", "work_id"),
)

# Every asset SHA-256 a logged claim names: "which claim covers this file?" (the /verify page).
claimed_assets = Table(
    "rights_claimed_assets",
    metadata,
    Column("leaf_index", BigInteger, ForeignKey("rights_certificates.leaf_index", ondelete="CASCADE"), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Index("ix_rights_claimed_assets_sha256", "sha256"),
)
