"""Web login sessions: a random cookie value, stored hashed, with its CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, delete, select

from culturebridge.accounts._tables import web_sessions
from culturebridge.accounts.users import User, get_user
from culturebridge.ids import as_utc, digest, new_secret, now


@dataclass(frozen=True)
class WebSession:
    user: User
    csrf_token: str


def start_session(conn: Connection, user: User, days: int) -> str:
    """Open a session for `user`; return the cookie value (only its hash is stored)."""
    secret = new_secret()
    conn.execute(
        web_sessions.insert().values(
            token_hash=digest(secret),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now(),
            expires_at=now() + timedelta(days=days),
        )
    )
    return secret


def session_user(conn: Connection, secret: str) -> WebSession | None:
    """The live session behind a cookie value, or None when unknown or expired."""
    row = conn.execute(select(web_sessions).where(web_sessions.c.token_hash == digest(secret))).first()
    if row is None or as_utc(row.expires_at) < now():
        return None
    user = get_user(conn, row.user_id)  # read on every request: a role change applies at once
    return WebSession(user, row.csrf_token) if user.active else None


def end_session(conn: Connection, secret: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == digest(secret)))


def end_sessions_of(conn: Connection, user_id: str) -> int:
    """End every web session of a user (deactivation, password reset); return how many."""
    return conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount
