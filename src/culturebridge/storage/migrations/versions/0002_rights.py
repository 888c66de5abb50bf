"""rights: transparency log head, leaves, node hashes, checkpoints; works' certificates

Revision ID: 0002_rights
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_rights"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_log_head")),
    )
    op.create_table(
        "rights_log_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_rights_log_leaves")),
    )
    op.create_table(
        "rights_log_nodes",
        sa.Column("node_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_rights_log_nodes")),
    )
    op.create_table(
        "rights_log_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_rights_log_checkpoints")),
    )

    op.create_table(
        "rights_certificates",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("licence", sa.String(length=32), nullable=False),
        sa.Column("licence_terms", sa.Text(), nullable=True),
        sa.Column("signer_id", sa.String(length=40), nullable=False),
        sa.Column("registered_by", sa.String(length=40), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_rights_certificates_work_id_works"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"], name=op.f("fk_rights_certificates_signer_id_users")),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["users.id"], name=op.f("fk_rights_certificates_registered_by_users")
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_rights_certificates")),
    )
    op.create_index("ix_rights_certificates_work_id", "rights_certificates", ["work_id"])
    op.create_table(
        "rights_claimed_assets",
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["leaf_index"],
            ["rights_certificates.leaf_index"],
            name=op.f("fk_rights_claimed_assets_leaf_index_rights_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("leaf_index", "sha256", name=op.f("pk_rights_claimed_assets")),
    )
    op.create_index("ix_rights_claimed_assets_sha256", "rights_claimed_assets", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_rights_claimed_assets_sha256", table_name="rights_claimed_assets")
    op.drop_table("rights_claimed_assets")
    op.drop_index("ix_rights_certificates_work_id", table_name="rights_certificates")
    op.drop_table("rights_certificates")
    op.drop_table("rights_log_checkpoints")
    op.drop_table("rights_log_nodes")
    op.drop_table("rights_log_leaves")
    op.drop_table("rights_log_head")
