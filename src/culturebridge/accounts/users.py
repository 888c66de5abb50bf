"""Users and their roles; passwords hashed with argon2id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from culturebridge.accounts._tables import users
from culturebridge.errors import AuthenticationRequired, Conflict, InvalidInput, UserNotFound
from culturebridge.ids import as_utc, new_id, now

Role = Literal["admin", "creator", "reviewer"]
ROLES: tuple[Role, ...] = ("admin", "creator", "reviewer")
_USERNAME = re.compile(r"^[a-zA-Z0-9_.-]{2,64}$")
_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("culturebridge-timing-equaliser")


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: Role
    locale: str | None
    identity_public_key: str | None
    created_at: datetime
    deactivated_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """An admin whose account is active."""
        return self.role == "admin" and self.active

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


def _from_row(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        id=m["id"],
        username=m["username"],
        display_name=m["display_name"],
        role=cast(Role, m["role"]),
        locale=m["locale"],
        identity_public_key=m["identity_public_key"],
        created_at=as_utc(m["created_at"]),
        deactivated_at=as_utc(m["deactivated_at"]) if m["deactivated_at"] is not None else None,
    )


def create_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    locale: str | None = None,
) -> User:
    """Create an account; the username must be new and the password at least 8 characters."""
    if display_name is not None and (len(display_name) > 200 or has_control(display_name)):
        raise InvalidInput("a display name has at most 200 characters and no control characters")
    if not _USERNAME.fullmatch(username):
        raise InvalidInput(f"username {username[:80]!r} must be 2-64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    password_hash = hash_password(password)
    row = {
        "id": new_id("u"),
        "username": username,
        "display_name": display_name or username,
        "role": role,
        "password_hash": password_hash,
        "locale": locale,
        "identity_public_key": None,
        "created_at": now(),
    }
    try:
        with conn.begin_nested():
            conn.execute(users.insert().values(**row))
    except IntegrityError as exc:
        raise Conflict(f"username {username!r} is taken") from exc
    return get_user(conn, str(row["id"]))


def has_control(text: str) -> bool:
    """Whether text holds a control character (PostgreSQL refuses NUL in text; none belongs in a name)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def get_user(conn: Connection, user_id: str) -> User:
    if has_control(user_id):
        raise UserNotFound(user_id[:60])
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise UserNotFound(user_id)
    return _from_row(row)


def get_user_by_name(conn: Connection, username: str) -> User:
    if has_control(username):
        raise UserNotFound(username[:60])
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        raise UserNotFound(username)
    return _from_row(row)


def list_users(conn: Connection) -> list[User]:
    return [_from_row(r) for r in conn.execute(select(users).order_by(users.c.username))]


def authenticate(conn: Connection, username: str, password: str) -> User:
    """The active user whose password this is; AuthenticationRequired otherwise.

    Unknown name, wrong password and deactivated account all get the same message after the
    same argon2 work, so the login form tells nobody which accounts exist or are deactivated.
    """
    row = None if has_control(username) else conn.execute(select(users).where(users.c.username == username)).first()
    stored = row._mapping["password_hash"] if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationRequired("wrong username or password") from None
    if row is None or row._mapping["deactivated_at"] is not None:
        raise AuthenticationRequired("wrong username or password")
    return _from_row(row)


def hash_password(password: str) -> str:
    """The argon2id hash of a new password (at least 8 characters)."""
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    if len(password) > 1024:
        raise InvalidInput("a password may have at most 1024 characters")
    return _hasher.hash(password)


def set_identity_key(conn: Connection, user_id: str, public_key_b64: str) -> None:
    """Record the user's Ed25519 identity public key (base64 of the raw 32 bytes)."""
    conn.execute(users.update().where(users.c.id == user_id).values(identity_public_key=public_key_b64))
