"""What an admin does to accounts: change a role, deactivate, reactivate — never leaving no admin.

Deactivation keeps the account row, so its works, decisions and history keep their author;
it ends the account's sessions and deletes its API tokens in the same transaction, so the
next request made with either is refused. The check "another active admin remains" locks
the active admins' rows (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers are serialised
already), so two admins demoting each other at once cannot both succeed.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from culturebridge.accounts import events
from culturebridge.accounts._tables import users
from culturebridge.accounts.links import require_admin
from culturebridge.accounts.sessions import end_sessions_of
from culturebridge.accounts.tokens import revoke_tokens_of
from culturebridge.accounts.users import ROLES, User, get_user
from culturebridge.errors import InvalidInput, LastAdmin
from culturebridge.ids import now


def change_role(conn: Connection, actor: User, user_id: str, role: str, client: str | None = None) -> User:
    """Give an account another role; it applies from the account's next request."""
    require_admin(actor)
    if role not in ROLES:
        raise InvalidInput(f"role {role[:40]!r} is not one of {', '.join(ROLES)}")
    user = get_user(conn, user_id)
    if user.role == role:
        return user
    if user.is_admin:
        _ensure_another_admin(conn, user)
    conn.execute(update(users).where(users.c.id == user.id).values(role=role))
    events.record(conn, "role-changed", actor=actor, subject=user, client=client, detail=f"{user.role} -> {role}")
    return get_user(conn, user.id)


def deactivate(conn: Connection, actor: User, user_id: str, client: str | None = None) -> User:
    """Stop an account: no login, sessions ended, API tokens deleted; works and history stay."""
    require_admin(actor)
    user = get_user(conn, user_id)
    if not user.active:
        return user
    if user.is_admin:
        _ensure_another_admin(conn, user)
    conn.execute(update(users).where(users.c.id == user.id).values(deactivated_at=now()))
    sessions = end_sessions_of(conn, user.id)
    tokens = revoke_tokens_of(conn, user.id)
    events.record(conn, "user-deactivated", actor=actor, subject=user, client=client,
                  detail=f"{sessions} sessions ended, {tokens} API tokens revoked")
    return get_user(conn, user.id)


def reactivate(conn: Connection, actor: User, user_id: str, client: str | None = None) -> User:
    """Let a deactivated account log in again (with its old password; its old tokens stay gone)."""
    require_admin(actor)
    user = get_user(conn, user_id)
    if user.active:
        return user
    conn.execute(update(users).where(users.c.id == user.id).values(deactivated_at=None))
    events.record(conn, "user-reactivated", actor=actor, subject=user, client=client)
    return get_user(conn, user.id)


def active_admins(conn: Connection) -> int:
    found = conn.execute(select(func.count()).select_from(users)
                         .where(users.c.role == "admin", users.c.deactivated_at.is_(None))).scalar_one()
    return int(found)


def _ensure_another_admin(conn: Connection, leaving: User) -> None:
    locked = conn.execute(select(users.c.id)
                          .where(users.c.role == "admin", users.c.deactivated_at.is_(None))
                          .with_for_update()).scalars().all()
    if not [uid for uid in locked if uid != leaving.id]:
        raise LastAdmin(leaving.username)
