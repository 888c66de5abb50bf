"""fingerprint: per-asset fingerprints and the conflicts their matches raise

Revision ID: 0003_fingerprint
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_fingerprint"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_fingerprints_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_fingerprints")),
    )
    op.create_index("ix_fingerprints_work_id", "fingerprints", ["work_id"], unique=False)
    op.create_table(
        "fingerprint_conflicts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("matched_asset_id", sa.String(length=40), nullable=False),
        sa.Column("matched_work_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("span", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_fingerprint_conflicts_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["matched_asset_id"],
            ["assets.id"],
            name=op.f("fk_fingerprint_conflicts_matched_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_conflicts")),
        sa.UniqueConstraint(
            "asset_id", "matched_asset_id", name=op.f("uq_fingerprint_conflicts_asset_id_matched_asset_id")
        ),
    )
    op.create_index(
        "ix_fingerprint_conflicts_matched_work_id", "fingerprint_conflicts", ["matched_work_id"], unique=False
    )
    op.create_index("ix_fingerprint_conflicts_work_id", "fingerprint_conflicts", ["work_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fingerprint_conflicts_work_id", table_name="fingerprint_conflicts")
    op.drop_index("ix_fingerprint_conflicts_matched_work_id", table_name="fingerprint_conflicts")
    op.drop_table("fingerprint_conflicts")
    op.drop_index("ix_fingerprints_work_id", table_name="fingerprints")
    op.drop_table("fingerprints")
