"""create: drafts, versions (derived works with their generation record), attempts

Revision ID: 0015_create
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_create"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "create_drafts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["works.id"], name=op.f("fk_create_drafts_source_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_drafts")),
    )
    op.create_index("ix_create_drafts_source_id", "create_drafts", ["source_id"], unique=False)
    op.create_table(
        "create_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("draft_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("parent_work_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["create_drafts.id"], name=op.f("fk_create_versions_draft_id_create_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_create_versions_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_versions")),
        sa.UniqueConstraint("draft_id", "number", name=op.f("uq_create_versions_draft_id_number")),
    )
    op.create_index("ix_create_versions_work_id", "create_versions", ["work_id"], unique=False)
    op.create_table(
        "create_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("draft_id", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("version_id", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_attempts")),
    )
    op.create_index("ix_create_attempts_source_id", "create_attempts", ["source_id"], unique=False)
    op.create_index("ix_create_attempts_created_at", "create_attempts", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_create_attempts_created_at", table_name="create_attempts")
    op.drop_index("ix_create_attempts_source_id", table_name="create_attempts")
    op.drop_table("create_attempts")
    op.drop_index("ix_create_versions_work_id", table_name="create_versions")
    op.drop_table("create_versions")
    op.drop_index("ix_create_drafts_source_id", table_name="create_drafts")
    op.drop_table("create_drafts")
