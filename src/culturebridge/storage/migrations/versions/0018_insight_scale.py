"""insight scale: distinct viewers per work, and returning viewers counted once under concurrency

Revision ID: 0018_insight_scale
Revises: 0011_insight

Existing roll-ups keep their figures; a work's distinct viewers start counting from here
(`culturebridge insight rebuild` recomputes them from the event log).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_insight_scale"
down_revision = "0011_insight"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_viewer_works",
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("viewer_id", "work_id", "market", name=op.f("pk_insight_viewer_works")),
    )
    op.create_table(
        "insight_returners",
        sa.Column("viewer_id", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("viewer_id", "market", name=op.f("pk_insight_returners")),
    )
    # Viewers already counted as returning keep being counted once.
    op.execute("INSERT INTO insight_returners (viewer_id, market, day) "
               "SELECT viewer_id, market, last_day FROM insight_viewer_markets WHERE days >= 2")


def downgrade() -> None:
    op.drop_table("insight_returners")
    op.drop_table("insight_viewer_works")
