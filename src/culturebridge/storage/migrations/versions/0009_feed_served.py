"""feed: the served-slot log (what each viewer was shown, why, and how it ended)

Revision ID: 0009_feed_served
Revises: 0007_feed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_feed_served"
down_revision = "0007_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_served",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_served")),
    )
    op.create_index("ix_feed_served_viewer_market_work", "feed_served", ["viewer_id", "market", "work_id"])


def downgrade() -> None:
    op.drop_index("ix_feed_served_viewer_market_work", table_name="feed_served")
    op.drop_table("feed_served")
