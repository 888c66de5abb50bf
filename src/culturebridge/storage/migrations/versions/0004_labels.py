"""labels: per-asset check results, labelled renditions, append-only labelling log

Revision ID: 0004_labels
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_labels"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_checks",
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_label_checks_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_label_checks")),
    )
    op.create_index("ix_label_checks_work_id", "label_checks", ["work_id"], unique=False)
    op.create_table(
        "label_renditions",
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("source_asset_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_label_renditions_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_asset_id"],
            ["assets.id"],
            name=op.f("fk_label_renditions_source_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_label_renditions")),
        sa.UniqueConstraint(
            "source_asset_id", "purpose", "lang", name=op.f("uq_label_renditions_source_asset_id_purpose_lang")
        ),
    )
    op.create_table(
        "label_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=True),
        sa.Column("asset_id", sa.String(length=40), nullable=True),
        sa.Column("result_asset_id", sa.String(length=40), nullable=True),
        sa.Column("label", sa.JSON(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_events")),
    )
    op.create_index("ix_label_events_at", "label_events", ["at"], unique=False)
    op.create_index("ix_label_events_asset_id", "label_events", ["asset_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_label_events_asset_id", table_name="label_events")
    op.drop_index("ix_label_events_at", table_name="label_events")
    op.drop_table("label_events")
    op.drop_table("label_renditions")
    op.drop_index("ix_label_checks_work_id", table_name="label_checks")
    op.drop_table("label_checks")
