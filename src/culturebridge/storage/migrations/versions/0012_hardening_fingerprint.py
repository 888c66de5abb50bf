"""hardening (fingerprint): a note on conflicts, e.g. a derivation declared across owners

Revision ID: 0012_hardening_fingerprint
Revises: 0003_fingerprint
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_hardening_fingerprint"
down_revision = "0003_fingerprint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fingerprint_conflicts") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fingerprint_conflicts") as batch:
        batch.drop_column("note")
