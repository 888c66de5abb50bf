"""catalog: assets.superseded_by, so a rebuilt asset replaces the old one without deleting it

Revision ID: 0008_catalog_supersede
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_catalog_supersede"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: SQLite adds it in place (no table rebuild, which would cascade
    # through the tables that reference assets).
    op.add_column("assets", sa.Column("superseded_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("assets", "superseded_by")
