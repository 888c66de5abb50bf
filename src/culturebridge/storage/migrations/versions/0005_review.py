"""review: review items, claims, decisions, appeals and the append-only audit log

Revision ID: 0005_review
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_review"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("ip", sa.String(length=80), nullable=True),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("automated_decision", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("fixes", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("queued_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["work_id"], ["works.id"], name=op.f("fk_review_items_work_id_works"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    op.create_index("ix_review_items_state_queued_at", "review_items", ["state", "queued_at"], unique=False)
    op.create_index("ix_review_items_work_id", "review_items", ["work_id"], unique=False)
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"], name=op.f("fk_review_assignments_item_id_review_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["claimed_by"], ["users.id"], name=op.f("fk_review_assignments_claimed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint("item_id", "round", name=op.f("uq_review_assignments_item_id_round")),
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.String(length=40), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("clause", sa.String(length=80), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"], name=op.f("fk_review_decisions_item_id_review_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_review_decisions_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index("ix_review_decisions_item_id", "review_decisions", ["item_id"], unique=False)
    op.create_table(
        "review_appeals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("creator_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("appealed_decision", sa.String(length=16), nullable=False),
        sa.Column("excluded_reviewer_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"], name=op.f("fk_review_appeals_item_id_review_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], name=op.f("fk_review_appeals_creator_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_appeals")),
        sa.UniqueConstraint("item_id", name=op.f("uq_review_appeals_item_id")),
    )
    op.create_table(
        "review_audit",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=True),
        sa.Column("item_id", sa.String(length=40), nullable=True),
        sa.Column("policy", sa.String(length=80), nullable=True),
        sa.Column("policy_version", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("clause", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_audit")),
    )
    op.create_index("ix_review_audit_at", "review_audit", ["at"], unique=False)
    op.create_index("ix_review_audit_item_id", "review_audit", ["item_id"], unique=False)
    # The audit log is append-only in the database itself, not only by convention.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER review_audit_no_{verb.lower()} BEFORE {verb} ON review_audit "
                "BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION review_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'review_audit is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER review_audit_append_only BEFORE UPDATE OR DELETE ON review_audit "
            "FOR EACH ROW EXECUTE FUNCTION review_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS review_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS review_audit_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS review_audit_append_only ON review_audit")
        op.execute("DROP FUNCTION IF EXISTS review_audit_append_only()")
    op.drop_index("ix_review_audit_item_id", table_name="review_audit")
    op.drop_index("ix_review_audit_at", table_name="review_audit")
    op.drop_table("review_audit")
    op.drop_table("review_appeals")
    op.drop_index("ix_review_decisions_item_id", table_name="review_decisions")
    op.drop_table("review_decisions")
    op.drop_table("review_assignments")
    op.drop_index("ix_review_items_work_id", table_name="review_items")
    op.drop_index("ix_review_items_state_queued_at", table_name="review_items")
    op.drop_table("review_items")
