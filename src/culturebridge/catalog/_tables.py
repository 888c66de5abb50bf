"""The catalog's tables: IPs with canon cards, works, their assets, derivations between works."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage.metadata import metadata
from culturebridge.storage.metadata import timestamp as _ts

ips = Table(
    "ips",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("titles", JSON, nullable=False),
    Column("protection", String(16), nullable=False),
    Column("canon", JSON, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)


works = Table(
    "works",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("original_language", String(16), nullable=False),
    Column("titles", JSON, nullable=False),
    Column("synopses", JSON, nullable=False),
    Column("owner_id", String(40), ForeignKey("users.id"), nullable=False),
    Column("rights_holder", String(200), nullable=False),
    Column("ip_id", String(40), ForeignKey("ips.id"), nullable=True),
    Column("markets", JSON, nullable=False),
    Column("ai_generated", Boolean, nullable=False, default=False),
    Column("search_text", Text, nullable=False, default=""),
    _ts("created_at"),
    _ts("updated_at"),
    # The title the studio sorts by (catalog.search.sort_key), kept with the titles.
    Column("sort_title", String(300), nullable=False, server_default=""),
    Index("ix_works_owner_id", "owner_id"),
    Index("ix_works_ip_id", "ip_id"),
    # Keyset pagination of the studio's works list, per sort order (newest/oldest, title).
    Index("ix_works_created_at_id", "created_at", "id"),
    Index("ix_works_sort_title_id", "sort_title", "id"),
    Index("ix_works_owner_id_created_at", "owner_id", "created_at"),
    Index("ix_works_kind_created_at", "kind", "created_at"),
)

# The full-text index of works (catalog.search): one row per distinct term of a work's
# titles and synopses, Chinese segmented with jieba.
work_terms = Table(
    "work_terms",
    metadata,
    Column("term", String(64), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_work_terms_work_id", "work_id"),
)


assets = Table(
    "assets",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("duration", Float, nullable=True),
    Column("storage_key", String(200), nullable=False),
    Column("original_name", String(255), nullable=False),
    _ts("created_at"),
    # The asset that replaced this one (a rebuilt subtitle file); rows are never deleted, since
    # other stages' evidence references asset ids. Kept consistent by catalog.supersede_asset.
    Column("superseded_by", String(40), nullable=True),
    UniqueConstraint("work_id", "sha256"),
    Index("ix_assets_sha256", "sha256"),
)


derivations = Table(
    "derivations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("source_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("derived_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("tool", String(200), nullable=True),
    Column("ai_generated", Boolean, nullable=False),
    _ts("created_at"),
    UniqueConstraint("source_id", "derived_id"),
    Index("ix_derivations_derived_id", "derived_id"),
)
