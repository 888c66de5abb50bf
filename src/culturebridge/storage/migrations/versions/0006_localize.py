"""localize: IP glossary terms, translation memory, localization jobs and their segments

Revision ID: 0006_localize
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_localize"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "localize_glossary_terms",
        sa.Column("ip_id", sa.String(length=40), nullable=False),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("strategy", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("concept", sa.String(length=80), nullable=False),
        sa.Column("renderings", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ip_id"], ["ips.id"], name=op.f("fk_localize_glossary_terms_ip_id_ips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ip_id", "source_lang", "source", name=op.f("pk_localize_glossary_terms")),
    )
    op.create_table(
        "localize_tm_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("ip", sa.String(length=80), nullable=False),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_localize_tm_entries_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_localize_tm_entries")),
        sa.UniqueConstraint(
            "ip", "source_lang", "target_lang", "source_key",
            name=op.f("uq_localize_tm_entries_ip_source_lang_target_lang_source_key"),
        ),
    )
    op.create_table(
        "localize_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("derived_id", sa.String(length=40), nullable=True),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_localize_jobs_work_id_works"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["derived_id"], ["works.id"], name=op.f("fk_localize_jobs_derived_id_works"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_localize_jobs_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_localize_jobs")),
        sa.UniqueConstraint("work_id", "target_lang", name=op.f("uq_localize_jobs_work_id_target_lang")),
    )
    op.create_table(
        "localize_segments",
        sa.Column("localization_id", sa.String(length=40), nullable=False),
        sa.Column("segment_id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=80), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("edited_by", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["localization_id"], ["localize_jobs.id"],
            name=op.f("fk_localize_segments_localization_id_localize_jobs"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["edited_by"], ["users.id"], name=op.f("fk_localize_segments_edited_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("localization_id", "segment_id", name=op.f("pk_localize_segments")),
    )
    op.create_index(
        "ix_localize_segments_localization_id_seq", "localize_segments", ["localization_id", "seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_localize_segments_localization_id_seq", table_name="localize_segments")
    op.drop_table("localize_segments")
    op.drop_table("localize_jobs")
    op.drop_table("localize_tm_entries")
    op.drop_table("localize_glossary_terms")
