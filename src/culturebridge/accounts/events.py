"""The account log: who did what to accounts, newest first, read page by page.

Pages are keyset pages (the last id seen, not an offset), so a page costs the same at any
depth and rows added while someone reads do not shift what they see next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Connection, or_, select

from culturebridge.accounts._tables import account_events
from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.accounts.users import User, has_control
from culturebridge.errors import InvalidInput
from culturebridge.ids import as_utc, now

Action = Literal[
    "invite-created", "invite-accepted", "role-changed", "user-deactivated", "user-reactivated",
    "reset-issued", "reset-used", "token-created", "token-revoked", "login-succeeded", "login-failed",
]
ACTIONS: tuple[Action, ...] = get_args(Action)
MAX_PAGE = 500


@dataclass(frozen=True)
class AccountEvent:
    id: int
    at: datetime
    action: str
    actor_id: str | None
    actor: str | None
    subject_id: str | None
    subject: str | None
    client: str | None
    detail: str


@dataclass(frozen=True)
class EventPage:
    events: list[AccountEvent]
    next_before: int | None  # pass as `before` for the next (older) page; None on the last page


def record(
    conn: Connection,
    action: Action,
    *,
    actor: User | None,
    subject: User | None = None,
    subject_name: str | None = None,
    client: str | None = None,
    detail: str = "",
) -> None:
    """Append one entry; call it in the transaction that made the change, so both or neither stay."""
    named = subject.username if subject else subject_name
    conn.execute(account_events.insert().values(
        at=now(), action=action,
        actor_id=actor.id if actor else None, actor=actor.username if actor else None,
        subject_id=subject.id if subject else None,
        subject=_printable(named, 254), client=_printable(client, 100), detail=_printable(detail, 400) or "",
    ))


def _printable(text: str | None, limit: int) -> str | None:
    """Text as typed by anyone (a failed login's name), with control characters shown as U+FFFD."""
    if not text:
        return None
    return "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in text[:limit])


def list_events(
    conn: Connection,
    *,
    user_id: str | None = None,
    action: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> EventPage:
    """Entries by or about `user_id`, of `action`, older than id `before`; newest first."""
    if action is not None and action not in ACTIONS:
        raise InvalidInput(f"action {action[:40]!r} is not one of {', '.join(ACTIONS)}")
    if user_id is not None and has_control(user_id):
        raise InvalidInput("a user id has no control characters")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page holds 1-{MAX_PAGE} entries, not {limit}")
    stmt = select(account_events)
    if user_id is not None:
        stmt = stmt.where(or_(account_events.c.actor_id == user_id, account_events.c.subject_id == user_id))
    if action is not None:
        stmt = stmt.where(account_events.c.action == action)
    if before is not None:
        stmt = stmt.where(account_events.c.id < before)
    rows = list(conn.execute(stmt.order_by(account_events.c.id.desc()).limit(limit + 1)))
    events = [
        AccountEvent(int(r.id), as_utc(r.at), r.action, r.actor_id, r.actor, r.subject_id, r.subject, r.client,
                     r.detail)
        for r in rows[:limit]
    ]
    return EventPage(events, events[-1].id if len(rows) > limit else None)


def account_activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    """The account log's part of "who did what" across the stages (by actor; no work)."""
    c = account_events.c
    stmt = select(c.at, c.action, c.actor_id, c.actor, c.subject, c.client, c.detail)
    return recent(conn, stmt, c.at, c.actor_id, query,
                  lambda r: Activity(r.at, "accounts", r.action, r.actor_id, None,
                                     " · ".join(str(v) for v in (r.subject, r.client, r.detail) if v),
                                     r.actor or ""))
