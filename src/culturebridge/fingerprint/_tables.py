"""The fingerprint stage's tables: each asset's fingerprint, and the conflicts matches raise."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage import metadata

# One row per asset (replaced when the asset is fingerprinted again). status:
#   ok          — `data` holds the fingerprint bytes of `kind`; the asset is in the library;
#   unmatchable — fingerprinted, but nothing in it can ever match (a flat image: no usable
#                 PDQ hash, no keypoints); kept so the work page can say so;
#   unsupported — a media type the stage does not fingerprint (PDF, DOCX ...);
#   failed      — the file could not be fingerprinted (`reason`: undecodable, bomb, no frames).
fingerprints = Table(
    "fingerprints",
    metadata,
    Column("asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("work_id", String(40), nullable=False),
    Column("kind", String(16), nullable=True),
    Column("status", String(16), nullable=False),
    Column("data", LargeBinary, nullable=True),
    Column("reason", Text, nullable=True),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Index("ix_fingerprints_work_id", "work_id"),
    Index("ix_fingerprints_status_computed_at", "status", "computed_at"),  # the library's catch-up
)

# The number of `ok` rows of `fingerprints`, kept by database triggers (migration 0020) on
# every insert, status change and delete, cascades included: the library's catch-up reads it
# instead of counting the table.
fingerprint_library = Table(
    "fingerprint_library",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ok_rows", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

# A registered asset found to copy another work's asset. The matched work's rights holder
# decides: open -> licensed | infringing | false-match.
fingerprint_conflicts = Table(
    "fingerprint_conflicts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", String(40), nullable=False),
    Column("matched_asset_id", String(40), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Column("matched_work_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("span", JSON, nullable=True),
    Column("evidence", JSON, nullable=True),  # why it matched (Evidence.to_dict)
    Column("state", String(16), nullable=False),
    Column("decided_by", String(40), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Why the conflict is open or was settled, e.g. a derivation declared across owners.
    Column("note", Text, nullable=True),
    UniqueConstraint("asset_id", "matched_asset_id"),
    Index("ix_fingerprint_conflicts_matched_work_id", "matched_work_id"),
    Index("ix_fingerprint_conflicts_work_id", "work_id"),
)

# What a batch scan (`culturebridge scan --ray`) found, one row per scanned file: tasks on any
# node write their files' rows here; a task retried after its node was lost rewrites the same
# rows (keyed by scan and file), so every file is reported exactly once.
scan_results = Table(
    "fingerprint_scan_results",
    metadata,
    Column("scan_id", String(40), primary_key=True),
    Column("file", String(1024), primary_key=True),
    Column("matches", JSON, nullable=False),
    Column("error", Text, nullable=True),
    Column("node", String(255), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
)
