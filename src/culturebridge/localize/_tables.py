"""The localize stage's tables: IP glossary terms, translation memory, localization jobs and segments."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from culturebridge.storage import metadata

# One row per protected term of an IP; renderings are {locale: {text, first_mention, short,
# forbidden}} (the `Glossary.to_dict` term shape). `origin` is canon (re-seeded from the canon
# card on demand) or curated (edited by a person; re-seeding never overwrites it).
glossary_terms = Table(
    "localize_glossary_terms",
    metadata,
    Column("ip_id", String(40), ForeignKey("ips.id", ondelete="CASCADE"), primary_key=True),
    Column("source_lang", String(16), primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("strategy", String(24), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("concept", String(80), nullable=False, default=""),
    Column("renderings", JSON, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Translation memory: pairs per IP ("" = no IP) and language direction. `source_key` is the
# SHA-256 of the normalised source (memory.normalise); newest wins on one key, so (scope, key) is unique.
tm_entries = Table(
    "localize_tm_entries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("ip", String(80), nullable=False),
    Column("source_lang", String(16), nullable=False),
    Column("target_lang", String(16), nullable=False),
    Column("source_key", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("origin", String(40), nullable=False),
    Column("created_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("ip", "source_lang", "target_lang", "source_key"),
)

# One localization of a work into one locale; the derived work appears when its title is done.
localizations = Table(
    "localize_jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("work_id", String(40), ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("source_lang", String(16), nullable=False),
    Column("target_lang", String(16), nullable=False),
    Column("engine", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("derived_id", String(40), ForeignKey("works.id", ondelete="SET NULL"), nullable=True),
    Column("job_id", String(40), nullable=True),
    Column("created_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("work_id", "target_lang"),
)

# The segments of a localization, in order. `source_hash` keys resumption: a finished segment
# whose source is unchanged is never sent to an engine again.
segments = Table(
    "localize_segments",
    metadata,
    Column("localization_id", String(40), ForeignKey("localize_jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", String(120), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_hash", String(16), nullable=False),
    Column("target", Text, nullable=True),
    Column("origin", String(80), nullable=True),
    Column("state", String(16), nullable=False),
    Column("issues", JSON, nullable=False),
    Column("error", Text, nullable=True),
    Column("edited_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_localize_segments_localization_id_seq", "localization_id", "seq"),
)
