"""insight: moderated comments, viewer-bucket roll-ups, external figures, localization experiments

Revision ID: 0011_insight
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_insight"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_buckets",
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("returners", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("watch_sum", sa.Float(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Integer(), nullable=False),
        sa.Column("skips", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("explore_decided", sa.Integer(), nullable=False),
        sa.Column("explore_engaged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "market", "bucket", name=op.f("pk_insight_buckets")),
    )
    op.create_table(
        "insight_comments",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("moderation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_insight_comments")),
    )
    op.create_index(
        "ix_insight_comments_work_market", "insight_comments", ["work_id", "market"], unique=False
    )
    op.create_table(
        "insight_daily",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("returners", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("watch_sum", sa.Float(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Integer(), nullable=False),
        sa.Column("skips", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("explore_decided", sa.Integer(), nullable=False),
        sa.Column("explore_engaged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "work_id", "market", name=op.f("pk_insight_daily")),
    )
    op.create_table(
        "insight_experiment_counts",
        sa.Column("experiment_id", sa.String(length=40), nullable=False),
        sa.Column("variant", sa.String(length=1), nullable=False),
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "experiment_id", "variant", "viewer_id", name=op.f("pk_insight_experiment_counts")
        ),
    )
    op.create_table(
        "insight_experiments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("variant_a", sa.String(length=40), nullable=False),
        sa.Column("variant_b", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("tau", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_experiments")),
    )
    op.create_index(
        "ix_insight_experiments_work_market",
        "insight_experiments",
        ["work_id", "market"],
        unique=False,
    )
    op.create_table(
        "insight_external",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("file", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_external")),
    )
    op.create_index("ix_insight_external_work", "insight_external", ["work_id"], unique=False)
    op.create_table(
        "insight_reasons",
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("engaged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "market", "reason", name=op.f("pk_insight_reasons")),
    )
    op.create_table(
        "insight_retention",
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "market", "bin", name=op.f("pk_insight_retention")),
    )
    op.create_table(
        "insight_viewer_markets",
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("last_day", sa.String(length=10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("viewer_id", "market", name=op.f("pk_insight_viewer_markets")),
    )


def downgrade() -> None:
    op.drop_table("insight_viewer_markets")
    op.drop_table("insight_retention")
    op.drop_table("insight_reasons")
    op.drop_index("ix_insight_external_work", table_name="insight_external")
    op.drop_table("insight_external")
    op.drop_index("ix_insight_experiments_work_market", table_name="insight_experiments")
    op.drop_table("insight_experiments")
    op.drop_table("insight_experiment_counts")
    op.drop_table("insight_daily")
    op.drop_index("ix_insight_comments_work_market", table_name="insight_comments")
    op.drop_table("insight_comments")
    op.drop_table("insight_buckets")
