"""The one SQLAlchemy `MetaData` every package defines its tables on.

Storage knows this object, not the tables: each package that owns tables defines them in its
own `_tables.py` against `metadata` (accounts, catalog, jobs and every stage). Alembic
migrations in `storage/migrations` create them; `tests/storage/test_migrations.py` imports
the whole platform (`culturebridge.pipeline`) and fails when the two disagree.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData

# Deterministic constraint names so migrations can refer to them on both backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def timestamp(name: str, nullable: bool = False) -> Column[object]:
    """A timezone-aware timestamp column (stored as UTC)."""
    return Column(name, DateTime(timezone=True), nullable=nullable)
