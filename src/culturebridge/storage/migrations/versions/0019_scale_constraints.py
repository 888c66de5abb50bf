"""fingerprint: an index for the library's catch-up (ok rows written since a moment)

Each process's fingerprint library catches up per job from a count of `ok` rows and the rows
computed since its last look (fingerprint/shared_library.py); this index serves both without
reading the table. (The (asset_id, matched_asset_id) pair of a conflict has been unique since
0003_fingerprint; recording one is now a single INSERT ... ON CONFLICT.)

Revision ID: 0019_scale_constraints
Revises: 0016_fingerprint_evidence
"""

from __future__ import annotations

from alembic import op

revision = "0019_scale_constraints"
down_revision = "0016_fingerprint_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_fingerprints_status_computed_at", "fingerprints", ["status", "computed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fingerprints_status_computed_at", table_name="fingerprints")
