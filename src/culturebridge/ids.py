"""Identifiers and clock: short prefixed random ids, UTC timestamps, secret tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def new_id(prefix: str) -> str:
    """A random id like `w-5f2c9a1e03b4d7c8`: the prefix says what kind of thing it names."""
    return f"{prefix}-{secrets.token_hex(8)}"


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we stored was UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What we store of a secret token: its SHA-256, so a database leak yields no logins."""
    return hashlib.sha256(secret.encode()).hexdigest()
