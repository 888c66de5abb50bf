"""The fingerprint stage's part of "who did what": decisions on copies found."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.fingerprint._tables import fingerprint_conflicts


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = fingerprint_conflicts.c
    stmt = select(c.id, c.work_id, c.matched_work_id, c.state, c.decided_by, c.decided_at)
    return recent(conn, stmt, c.decided_at, c.decided_by, query,
                  lambda r: Activity(r.decided_at, "fingerprint", "copy-decided", r.decided_by, r.work_id,
                                     f"{r.state} (matches work {r.matched_work_id})"))
