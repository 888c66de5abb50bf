"""feed: publications and their served assets, viewers, events, explorer arms, snapshots

Revision ID: 0007_feed
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_feed"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_publications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("served_work_id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=40), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_feed_publications_work_id_works"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["served_work_id"], ["works.id"], name=op.f("fk_feed_publications_served_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_feed_publications_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_publications")),
        sa.UniqueConstraint("work_id", "market", name=op.f("uq_feed_publications_work_id_market")),
    )
    op.create_index("ix_feed_publications_market", "feed_publications", ["market"], unique=False)
    op.create_table(
        "feed_publication_assets",
        sa.Column("publication_id", sa.String(length=40), nullable=False),
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("served_asset_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["feed_publications.id"],
            name=op.f("fk_feed_publication_assets_publication_id_feed_publications"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_feed_publication_assets_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["served_asset_id"], ["assets.id"],
            name=op.f("fk_feed_publication_assets_served_asset_id_assets"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("publication_id", "asset_id", name=op.f("pk_feed_publication_assets")),
    )
    op.create_index(
        "ix_feed_publication_assets_served_asset_id", "feed_publication_assets", ["served_asset_id"], unique=False
    )
    op.create_table(
        "feed_viewers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_viewers")),
    )
    op.create_table(
        "feed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("watch_fraction", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["viewer_id"], ["feed_viewers.id"], name=op.f("fk_feed_events_viewer_id_feed_viewers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_feed_events_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_feed_events")),
    )
    op.create_index("ix_feed_events_market_at", "feed_events", ["market", "at"], unique=False)
    op.create_index("ix_feed_events_viewer_id", "feed_events", ["viewer_id"], unique=False)
    op.create_table(
        "feed_explorer_arms",
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("wins", sa.Float(), nullable=False),
        sa.Column("trials", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_feed_explorer_arms_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("segment", "work_id", name=op.f("pk_feed_explorer_arms")),
    )
    op.create_table(
        "feed_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("markets", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("collaborative", sa.Boolean(), nullable=False),
        sa.Column("file", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("feed_snapshots")
    op.drop_table("feed_explorer_arms")
    op.drop_index("ix_feed_events_viewer_id", table_name="feed_events")
    op.drop_index("ix_feed_events_market_at", table_name="feed_events")
    op.drop_table("feed_events")
    op.drop_table("feed_viewers")
    op.drop_index("ix_feed_publication_assets_served_asset_id", table_name="feed_publication_assets")
    op.drop_table("feed_publication_assets")
    op.drop_index("ix_feed_publications_market", table_name="feed_publications")
    op.drop_table("feed_publications")
