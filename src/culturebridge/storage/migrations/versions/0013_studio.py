"""studio: works.sort_title, the work_terms full-text index, indexes for the works list, automation rules

Revision ID: 0013_studio
Revises: 0008_catalog_supersede
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_studio"
down_revision = "0008_catalog_supersede"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from culturebridge.catalog.search import index_terms, sort_key

    op.add_column("works", sa.Column("sort_title", sa.String(length=300), nullable=False, server_default=""))
    op.create_index("ix_works_created_at_id", "works", ["created_at", "id"])
    op.create_index("ix_works_sort_title_id", "works", ["sort_title", "id"])
    op.create_index("ix_works_owner_id_created_at", "works", ["owner_id", "created_at"])
    op.create_index("ix_works_kind_created_at", "works", ["kind", "created_at"])
    op.create_index("ix_stage_status_stage_state", "stage_status", ["stage", "state"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    terms = op.create_table(
        "work_terms",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["work_id"], ["works.id"], name="fk_work_terms_work_id_works", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "work_id", name="pk_work_terms"),
    )
    op.create_index("ix_work_terms_work_id", "work_terms", ["work_id"])
    op.create_table(
        "automation_rules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_automation_rules_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_automation_rules"),
    )
    op.create_table(
        "automation_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("asset_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["work_id"], ["works.id"], name="fk_automation_runs_work_id_works", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_automation_runs"),
    )
    op.create_index("ix_automation_runs_work_id_at", "automation_runs", ["work_id", "at"])
    op.create_index("ix_automation_runs_rule_id_work_id", "automation_runs", ["rule_id", "work_id"])
    # Index the works already there.
    conn = op.get_bind()
    works = sa.table(
        "works",
        sa.column("id", sa.String),
        sa.column("titles", sa.JSON),
        sa.column("synopses", sa.JSON),
        sa.column("original_language", sa.String),
        sa.column("sort_title", sa.String),
    )
    for row in conn.execute(sa.select(works.c.id, works.c.titles, works.c.synopses, works.c.original_language)).all():
        titles, synopses = dict(row.titles), dict(row.synopses)
        conn.execute(works.update().where(works.c.id == row.id).values(sort_title=sort_key(titles, row.original_language)))
        found = sorted(index_terms([*titles.values(), *synopses.values()]))
        if found:
            conn.execute(terms.insert(), [{"term": t, "work_id": row.id} for t in found])


def downgrade() -> None:
    op.drop_index("ix_automation_runs_rule_id_work_id", table_name="automation_runs")
    op.drop_index("ix_automation_runs_work_id_at", table_name="automation_runs")
    op.drop_table("automation_runs")
    op.drop_table("automation_rules")
    op.drop_index("ix_work_terms_work_id", table_name="work_terms")
    op.drop_table("work_terms")
    op.drop_index("ix_jobs_created_at", table_name="jobs")
    op.drop_index("ix_stage_status_stage_state", table_name="stage_status")
    op.drop_index("ix_works_kind_created_at", table_name="works")
    op.drop_index("ix_works_owner_id_created_at", table_name="works")
    op.drop_index("ix_works_sort_title_id", table_name="works")
    op.drop_index("ix_works_created_at_id", table_name="works")
    op.drop_column("works", "sort_title")
