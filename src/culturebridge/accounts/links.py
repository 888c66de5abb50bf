"""One-time links an admin hands out: an invite makes an account, a reset sets a password.

No e-mail is sent: the admin passes the link on. The link carries a random secret of 256 bits;
only its SHA-256 is stored, so a copy of the database opens nothing. A link works once
(`used_at` is set in the transaction that uses it) and until it expires; a newer reset link
for the same account voids the older ones. Using a reset link ends the account's sessions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, select, update

from culturebridge.accounts import events
from culturebridge.accounts._tables import account_links, users
from culturebridge.accounts.sessions import end_sessions_of
from culturebridge.accounts.users import (
    ROLES,
    User,
    create_user,
    get_user,
    has_control,
    hash_password,
)
from culturebridge.errors import (
    InvalidInput,
    LinkAlreadyUsed,
    LinkExpired,
    LinkNotValid,
    PermissionDenied,
)
from culturebridge.ids import as_utc, digest, new_id, new_secret, now

LinkKind = Literal["invite", "reset"]
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")
MAX_SECRET = 200  # ours are 43 characters; anything far longer is not one of ours


@dataclass(frozen=True)
class Link:
    id: str
    kind: str
    email: str | None
    display_name: str | None
    role: str | None
    user_id: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the only moment its secret exists outside the holder's hands."""

    link: Link
    secret: str

    @property
    def path(self) -> str:
        return f"/{self.link.kind}/{self.secret}"


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(f"this needs the role admin; {actor.username} is {actor.role}")


def create_invite(
    conn: Connection, actor: User, email: str, display_name: str, role: str, days: int, client: str | None = None
) -> IssuedLink:
    """An invite for `email` to join with `role`, valid for `days` days."""
    require_admin(actor)
    email, display_name = email.strip(), display_name.strip()
    if len(email) > 254 or has_control(email) or not _EMAIL.fullmatch(email):
        raise InvalidInput(f"{email[:80]!r} is not an e-mail address")
    if len(display_name) > 200 or has_control(display_name):
        raise InvalidInput("a display name has at most 200 characters and no control characters")
    if role not in ROLES:
        raise InvalidInput(f"role {role[:40]!r} is not one of {', '.join(ROLES)}")
    issued = _issue(conn, "invite", actor, timedelta(days=days), email=email,
                    display_name=display_name or email.split("@")[0], role=role)
    events.record(conn, "invite-created", actor=actor, subject_name=email, client=client, detail=f"role {role}")
    return issued


def issue_reset(conn: Connection, actor: User, user: User, hours: int, client: str | None = None) -> IssuedLink:
    """A password-reset link for an active `user`, valid for `hours` hours; older ones stop working."""
    require_admin(actor)
    if not user.active:
        raise InvalidInput(f"{user.username} is deactivated; reactivate the account first")
    at = now()
    conn.execute(update(account_links)
                 .where(account_links.c.kind == "reset", account_links.c.user_id == user.id,
                        account_links.c.used_at.is_(None))
                 .values(used_at=at))
    issued = _issue(conn, "reset", actor, timedelta(hours=hours), user_id=user.id)
    events.record(conn, "reset-issued", actor=actor, subject=user, client=client)
    return issued


def open_link(conn: Connection, kind: LinkKind, secret: str) -> Link:
    """The unused, unexpired link of this kind behind `secret`; a clear error otherwise."""
    if not secret or len(secret) > MAX_SECRET:
        raise LinkNotValid(kind)
    row = conn.execute(select(account_links).where(account_links.c.token_hash == digest(secret),
                                                   account_links.c.kind == kind)).first()
    if row is None:
        raise LinkNotValid(kind)
    link = _from_row(row)
    if link.used_at is not None:
        raise LinkAlreadyUsed(kind)
    if link.expires_at <= now():
        raise LinkExpired(kind, link.expires_at.strftime("%Y-%m-%d %H:%M UTC"))
    if kind == "reset" and (link.user_id is None or not get_user(conn, link.user_id).active):
        raise LinkNotValid(kind)
    return link


def accept_invite(conn: Connection, secret: str, username: str, password: str, client: str | None = None) -> User:
    """Use an invite: create the account with the invite's role and the chosen name and password."""
    link = open_link(conn, "invite", secret)
    _spend(conn, link, "invite")
    user = create_user(conn, username, password, link.role or "creator", link.display_name)
    conn.execute(update(account_links).where(account_links.c.id == link.id).values(user_id=user.id))
    events.record(conn, "invite-accepted", actor=user, subject=user, client=client,
                  detail=f"invited as {link.email}")
    return user


def use_reset(conn: Connection, secret: str, password: str, client: str | None = None) -> User:
    """Use a reset link: set the new password and end every session of the account."""
    link = open_link(conn, "reset", secret)
    password_hash = hash_password(password)
    _spend(conn, link, "reset")
    assert link.user_id is not None  # open_link checked it
    conn.execute(update(users).where(users.c.id == link.user_id).values(password_hash=password_hash))
    ended = end_sessions_of(conn, link.user_id)
    user = get_user(conn, link.user_id)
    events.record(conn, "reset-used", actor=user, subject=user, client=client, detail=f"{ended} sessions ended")
    return user


def pending_invites(conn: Connection) -> list[Link]:
    """Invites not used yet and not expired, newest first."""
    stmt = (select(account_links)
            .where(account_links.c.kind == "invite", account_links.c.used_at.is_(None),
                   account_links.c.expires_at > now())
            .order_by(account_links.c.created_at.desc()))
    return [_from_row(r) for r in conn.execute(stmt)]


def _issue(conn: Connection, kind: LinkKind, actor: User, valid: timedelta, **values: str | None) -> IssuedLink:
    if valid <= timedelta(0):
        raise InvalidInput("a link must be valid for a positive time")
    secret, at = new_secret(), now()
    row = {"id": new_id("l"), "kind": kind, "token_hash": digest(secret), "email": None, "display_name": None,
           "role": None, "user_id": None, "created_by": actor.id, "created_at": at, "expires_at": at + valid,
           "used_at": None, **values}
    conn.execute(account_links.insert().values(**row))
    return IssuedLink(_from_row_mapping(row), secret)


def _spend(conn: Connection, link: Link, kind: LinkKind) -> None:
    """Mark the link used, unless a concurrent request used it first."""
    done = conn.execute(update(account_links)
                        .where(account_links.c.id == link.id, account_links.c.used_at.is_(None))
                        .values(used_at=now()))
    if done.rowcount != 1:
        raise LinkAlreadyUsed(kind)


def _from_row(row: object) -> Link:
    return _from_row_mapping(dict(row._mapping))  # type: ignore[attr-defined]


def _from_row_mapping(m: Mapping[str, object]) -> Link:
    def at(value: object) -> datetime | None:
        return as_utc(value) if isinstance(value, datetime) else None

    created, expires = at(m["created_at"]), at(m["expires_at"])
    assert created is not None and expires is not None
    return Link(str(m["id"]), str(m["kind"]), _opt(m["email"]), _opt(m["display_name"]), _opt(m["role"]),
                _opt(m["user_id"]), created, expires, at(m["used_at"]))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
