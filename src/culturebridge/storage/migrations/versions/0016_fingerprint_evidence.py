"""fingerprint: each conflict keeps why it matched (method, score parts, inliers, region)

Revision ID: 0016_fingerprint_evidence
Revises: 0003_fingerprint
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_fingerprint_evidence"
down_revision = "0003_fingerprint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fingerprint_conflicts", sa.Column("evidence", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("fingerprint_conflicts", "evidence")
