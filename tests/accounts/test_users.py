from __future__ import annotations

from datetime import timedelta

import pytest

from culturebridge.accounts import (
    authenticate,
    create_api_token,
    create_user,
    end_session,
    session_user,
    start_session,
    user_for_api_token,
)
from culturebridge.accounts._tables import api_tokens, users, web_sessions
from culturebridge.errors import AuthenticationRequired, Conflict, InvalidInput
from culturebridge.ids import digest, now
from culturebridge.storage import Database


def test_password_login_and_refusals(database: Database) -> None:
    with database.write() as conn:
        user = create_user(conn, "mei", "long-enough", "creator", "梅")
        stored = conn.execute(users.select()).one()
        with pytest.raises(Conflict):
            create_user(conn, "mei", "long-enough", "creator")
        with pytest.raises(InvalidInput, match="8 characters"):
            create_user(conn, "li", "short", "creator")
        with pytest.raises(InvalidInput, match="role"):
            create_user(conn, "li", "long-enough", "emperor")
        with pytest.raises(InvalidInput, match="username"):
            create_user(conn, "a b", "long-enough", "creator")
    assert stored.password_hash.startswith("$argon2id$") and "long-enough" not in stored.password_hash
    with database.read() as conn:
        assert authenticate(conn, "mei", "long-enough") == user
        for name, password in (("mei", "wrong-password"), ("nobody", "long-enough")):
            with pytest.raises(AuthenticationRequired, match="wrong username or password"):
                authenticate(conn, name, password)


def test_sessions_expire_and_end(database: Database) -> None:
    with database.write() as conn:
        user = create_user(conn, "mei", "long-enough", "creator")
        cookie = start_session(conn, user, days=1)
        expired = start_session(conn, user, days=1)
    with database.write() as conn:
        conn.execute(
            web_sessions.update()
            .where(web_sessions.c.token_hash == digest(expired))
            .values(expires_at=now() - timedelta(seconds=1))
        )
        session = session_user(conn, cookie)
        assert session is not None and session.user == user and len(session.csrf_token) >= 24
        assert session_user(conn, expired) is None
        assert session_user(conn, "made-up") is None
        end_session(conn, cookie)
        assert session_user(conn, cookie) is None
        assert all(row.token_hash != cookie for row in conn.execute(web_sessions.select()))


def test_api_tokens_are_stored_hashed(database: Database) -> None:
    with database.write() as conn:
        user = create_user(conn, "bot", "long-enough", "creator")
        secret = create_api_token(conn, user, "uploader")
        assert user_for_api_token(conn, secret) == user
        assert conn.execute(api_tokens.select()).one().token_hash != secret
        with pytest.raises(AuthenticationRequired):
            user_for_api_token(conn, secret + "x")
        with pytest.raises(InvalidInput):
            create_api_token(conn, user, " ")
