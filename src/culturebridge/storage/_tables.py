"""Storage's own table: the shared request counters behind rate limits (`storage.ratelimit`)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from culturebridge.storage.metadata import metadata

# Requests counted per key (`client:1.2.3.4`, `viewer:v-...`) and fixed one-minute window.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("window", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)
