"""audit: runs, cells, the answer cache, findings handed off

Revision ID: 0010_audit
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_audit"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("set_id", sa.String(length=80), nullable=False),
        sa.Column("set_version", sa.Integer(), nullable=False),
        sa.Column("set_digest", sa.String(length=64), nullable=False),
        sa.Column("question_set", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_audit_runs_created_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_runs")),
    )
    op.create_index("ix_audit_runs_started_at", "audit_runs", ["started_at"], unique=False)
    op.create_table(
        "audit_cells",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint", sa.String(length=40), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("judgements", sa.JSON(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["audit_runs.id"], name=op.f("fk_audit_cells_run_id_audit_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "endpoint", "question_id", "language", "sample",
                                name=op.f("pk_audit_cells")),
    )
    op.create_table(
        "audit_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_audit_cache")),
    )
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("ip_id", sa.String(length=40), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["audit_runs.id"], name=op.f("fk_audit_findings_run_id_audit_runs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ip_id"], ["ips.id"], name=op.f("fk_audit_findings_ip_id_ips"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_audit_findings_created_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
    )
    op.create_index("ix_audit_findings_ip_id", "audit_findings", ["ip_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_findings_ip_id", table_name="audit_findings")
    op.drop_table("audit_findings")
    op.drop_table("audit_cache")
    op.drop_table("audit_cells")
    op.drop_index("ix_audit_runs_started_at", table_name="audit_runs")
    op.drop_table("audit_runs")
