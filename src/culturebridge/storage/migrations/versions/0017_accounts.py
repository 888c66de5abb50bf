"""accounts: deactivation, one-time invite and reset links, the account log

Revision ID: 0017_accounts
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_accounts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_account_links_created_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.String(length=254), nullable=True),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    op.create_index("ix_account_events_actor_id", "account_events", ["actor_id", "id"], unique=False)
    op.create_index("ix_account_events_subject_id", "account_events", ["subject_id", "id"], unique=False)
    op.create_index("ix_account_events_action", "account_events", ["action", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_account_events_action", table_name="account_events")
    op.drop_index("ix_account_events_subject_id", table_name="account_events")
    op.drop_index("ix_account_events_actor_id", table_name="account_events")
    op.drop_table("account_events")
    op.drop_table("account_links")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deactivated_at")
