"""Login back-off: after a few failures, each further attempt must wait twice as long.

Counted per account and per client address in the `login_failures` table, so every web
process sees the same counts. While a key must wait, the password is not even checked
(no argon2 work for a brute-force client). An attempt is counted as a failure *before* the
password is checked, in the same write transaction as the check (`begin_attempt`: rows
locked with `SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so a burst
of parallel attempts cannot all pass one check; a success then takes its count back
(`succeeded`) and clears the account's. Only existing accounts get an account row, so
made-up user names do not grow the table; rows idle for a day are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from culturebridge.accounts._tables import login_failures
from culturebridge.ids import as_utc

MAX_WAIT_SECONDS = 15 * 60
CLIENT_FACTOR = 4  # a client address (maybe a whole office behind NAT) may fail this many times more
IDLE = timedelta(days=1)


def account_key(username: str) -> str:
    return f"account:{username[:64]}"


def client_key(address: str) -> str:
    return f"client:{address[:100]}"


def backoff_seconds(failures: int, allowed: int) -> float:
    """How long after the last failure the next attempt must wait: 0, then 1, 2, 4 ... s (capped)."""
    if failures < allowed:
        return 0.0
    return float(min(MAX_WAIT_SECONDS, 2 ** min(30, failures - allowed)))


def wait_seconds(conn: Connection, keys: dict[str, int], at: datetime) -> float:
    """Seconds until an attempt is allowed for every key (key -> failures allowed); 0 when now."""
    rows = conn.execute(select(login_failures).where(login_failures.c.key.in_(sorted(keys))))
    wait = 0.0
    for r in rows:
        ready = as_utc(r.last_at) + timedelta(seconds=backoff_seconds(int(r.failures), keys[str(r.key)]))
        wait = max(wait, (ready - at).total_seconds())
    return wait


def begin_attempt(conn: Connection, keys: dict[str, int], counted: Iterable[str], at: datetime) -> float:
    """Check and count one attempt atomically (call inside a write transaction).

    Returns the seconds to wait (nothing counted) or 0.0 after counting the attempt as a
    failure for each key in `counted`; call `succeeded` when the password turns out right.
    """
    counted = sorted(set(counted))
    if counted:  # make the rows exist so they can be locked (concurrent inserts do not collide)
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(login_failures).on_conflict_do_nothing(index_elements=["key"]),
                     [{"key": key, "failures": 0, "last_at": at} for key in counted])
    rows = conn.execute(select(login_failures).where(login_failures.c.key.in_(sorted(keys)))
                        .order_by(login_failures.c.key).with_for_update())
    wait = 0.0
    for r in rows:
        ready = as_utc(r.last_at) + timedelta(seconds=backoff_seconds(int(r.failures), keys[str(r.key)]))
        wait = max(wait, (ready - at).total_seconds())
    if wait > 0:
        return wait
    if counted:
        conn.execute(update(login_failures).where(login_failures.c.key.in_(counted))
                     .values(failures=login_failures.c.failures + 1, last_at=at))
    conn.execute(delete(login_failures).where(login_failures.c.last_at < at - IDLE))
    return 0.0


def succeeded(conn: Connection, account: str, counted: Iterable[str]) -> None:
    """Take back the failure `begin_attempt` counted for a login that succeeded; clear the account."""
    clear(conn, account)
    others = [key for key in counted if key != account]
    if others:
        conn.execute(update(login_failures)
                     .where(login_failures.c.key.in_(others), login_failures.c.failures > 0)
                     .values(failures=login_failures.c.failures - 1))


def clear(conn: Connection, key: str) -> None:
    """Forget the failures of a key (after a successful login)."""
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
