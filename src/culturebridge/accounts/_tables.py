"""The accounts' tables: users, API tokens, web sessions, login back-off, one-time links, the account log."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from culturebridge.storage.metadata import metadata
from culturebridge.storage.metadata import timestamp as _ts

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("locale", String(16), nullable=True),
    Column("identity_public_key", String(64), nullable=True),
    _ts("created_at"),
    _ts("deactivated_at", nullable=True),  # set: may not log in; works and history stay
)


api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _ts("created_at"),
    _ts("last_used_at", nullable=True),
)


web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
)

# Consecutive failed logins per key (`account:NAME`, `client:ADDR`) and when the last one was.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    _ts("last_at"),
)


# One-time links an admin hands out: `invite` (makes an account) and `reset` (sets a password).
# Only the SHA-256 of the link's secret is stored; `used_at` makes each link single-use.
account_links = Table(
    "account_links",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("display_name", String(200), nullable=True),
    Column("role", String(16), nullable=True),
    Column("user_id", String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("created_by", String(40), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
)

# Who did what to accounts. Names are copied in, so the log reads the same after renames;
# no foreign keys, so the history outlives whatever it mentions.
account_events = Table(
    "account_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _ts("at"),
    Column("action", String(32), nullable=False),
    Column("actor_id", String(40), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("subject_id", String(40), nullable=True),
    Column("subject", String(254), nullable=True),
    Column("client", String(100), nullable=True),
    Column("detail", String(400), nullable=False),
    Index("ix_account_events_actor_id", "actor_id", "id"),
    Index("ix_account_events_subject_id", "subject_id", "id"),
    Index("ix_account_events_action", "action", "id"),
)
