"""scale: job leases (a job whose worker died is claimed again); batch scan results

Revision ID: 0014_scale
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_scale"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "fingerprint_scan_results",
        sa.Column("scan_id", sa.String(length=40), nullable=False),
        sa.Column("file", sa.String(length=1024), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("node", sa.String(length=255), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scan_id", "file", name=op.f("pk_fingerprint_scan_results")),
    )


def downgrade() -> None:
    op.drop_table("fingerprint_scan_results")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
