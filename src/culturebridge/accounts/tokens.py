"""API tokens for scripts: shown once, stored only as a hash; listed and revoked by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, delete, select, update

from culturebridge.accounts import events
from culturebridge.accounts._tables import api_tokens, users
from culturebridge.accounts.users import User, get_user, has_control
from culturebridge.errors import AuthenticationRequired, InvalidInput, TokenNotFound
from culturebridge.ids import as_utc, digest, new_id, new_secret, now

TOKEN_PREFIX = "cbt_"
# `last_used_at` is written at most this often per token, so scripts do not make every read a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiToken:
    """What anyone may see of a token: never its secret."""

    id: str
    user_id: str
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


def create_api_token(conn: Connection, user: User, name: str) -> str:
    """Create a token for `user`; the returned secret is never stored and cannot be shown again."""
    return create_token(conn, user, name)[1]


def create_token(
    conn: Connection, user: User, name: str, *, actor: User | None = None, client: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token for an active `user`: its record and its secret (shown this once only); logged."""
    if not name.strip() or len(name) > 100 or has_control(name):
        raise InvalidInput("a token needs a name of 1-100 characters without control characters")
    if not user.active:
        raise InvalidInput(f"{user.username} is deactivated and cannot hold API tokens")
    secret = TOKEN_PREFIX + new_secret()
    token_id, at = new_id("t"), now()
    conn.execute(
        api_tokens.insert().values(id=token_id, user_id=user.id, name=name, token_hash=digest(secret), created_at=at)
    )
    events.record(conn, "token-created", actor=actor or user, subject=user, client=client, detail=f"{token_id} {name}")
    return ApiToken(token_id, user.id, user.username, name, at, None), secret


def user_for_api_token(conn: Connection, secret: str) -> User:
    """The active user a bearer token belongs to; AuthenticationRequired when it is unknown."""
    return token_for_secret(conn, secret)[0]


def token_for_secret(conn: Connection, secret: str) -> tuple[User, ApiToken]:
    """The active user and the token a bearer secret stands for; AuthenticationRequired otherwise."""
    row = conn.execute(_select().where(api_tokens.c.token_hash == digest(secret))).first()  # a hash: always safe
    user = get_user(conn, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        raise AuthenticationRequired("the API token is not valid", hint="create one with `culturebridge users token`")
    return user, _from_row(row)


def needs_touch(token: ApiToken, at: datetime) -> bool:
    """Whether `last_used_at` is stale enough to be written again."""
    return token.last_used_at is None or at - token.last_used_at >= TOUCH_EVERY


def touch_token(conn: Connection, token_id: str, at: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))


def list_tokens(conn: Connection, user_id: str | None = None) -> list[ApiToken]:
    """Tokens of one user (or of everyone), newest first."""
    stmt = _select().order_by(api_tokens.c.created_at.desc(), api_tokens.c.id)
    if user_id is not None:
        stmt = stmt.where(api_tokens.c.user_id == user_id)
    return [_from_row(r) for r in conn.execute(stmt)]


def get_token(conn: Connection, viewer: User, token_id: str) -> ApiToken:
    """A token the viewer may see (their own; an admin: anyone's); TokenNotFound otherwise."""
    row = None if has_control(token_id) else conn.execute(_select().where(api_tokens.c.id == token_id)).first()
    if row is None or (row.user_id != viewer.id and not viewer.is_admin):
        raise TokenNotFound(token_id[:60])  # someone else's token: the same answer as a missing one
    return _from_row(row)


def revoke_token(conn: Connection, viewer: User, token_id: str, client: str | None = None) -> ApiToken:
    """Delete a token the viewer may see; it stops working at once; logged."""
    token = get_token(conn, viewer, token_id)
    conn.execute(delete(api_tokens).where(api_tokens.c.id == token.id))
    owner = get_user(conn, token.user_id)
    events.record(conn, "token-revoked", actor=viewer, subject=owner, client=client, detail=f"{token.id} {token.name}")
    return token


def revoke_tokens_of(conn: Connection, user_id: str) -> int:
    """Delete every token of a user (deactivation); return how many."""
    return conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id)).rowcount


def _select() -> Select[Any]:
    return select(api_tokens, users.c.username).join(users, users.c.id == api_tokens.c.user_id)


def _from_row(row: object) -> ApiToken:
    m = row._mapping  # type: ignore[attr-defined]
    last = m["last_used_at"]
    return ApiToken(m["id"], m["user_id"], m["username"], m["name"], as_utc(m["created_at"]),
                    as_utc(last) if last is not None else None)
