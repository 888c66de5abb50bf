"""Tables of the shared request counters: rate limits and login back-off, seen by every process."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Table

from culturebridge.storage.schema import metadata

# Requests counted per key (`client:1.2.3.4`, `viewer:v-...`) and fixed one-minute window.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("window", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

# Consecutive failed logins per key (`account:NAME`, `client:ADDR`) and when the last one was.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
)
