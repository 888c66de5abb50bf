"""API tokens for scripts: shown once, stored only as a hash."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts._tables import api_tokens
from culturebridge.accounts.users import User, get_user
from culturebridge.errors import AuthenticationRequired, InvalidInput
from culturebridge.ids import digest, new_id, new_secret, now

TOKEN_PREFIX = "cbt_"


def create_api_token(conn: Connection, user: User, name: str) -> str:
    """Create a token for `user`; the returned secret is never stored and cannot be shown again."""
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a token needs a name of 1-100 characters")
    secret = TOKEN_PREFIX + new_secret()
    conn.execute(
        api_tokens.insert().values(
            id=new_id("t"), user_id=user.id, name=name, token_hash=digest(secret), created_at=now()
        )
    )
    return secret


def user_for_api_token(conn: Connection, secret: str) -> User:
    """The user a bearer token belongs to; AuthenticationRequired when it is unknown."""
    row = conn.execute(select(api_tokens.c.user_id).where(api_tokens.c.token_hash == digest(secret))).first()
    if row is None:
        raise AuthenticationRequired("the API token is not valid", hint="create one with `culturebridge token`")
    return get_user(conn, row.user_id)
