"""The audit stage's part of "who did what": perspective-audit runs started."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.audit._tables import runs


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = runs.c
    stmt = select(c.id, c.set_id, c.set_version, c.created_by, c.started_at)
    return recent(conn, stmt, c.started_at, c.created_by, query,
                  lambda r: Activity(r.started_at, "audit", "run-started", r.created_by, None,
                                     f"{r.set_id} v{r.set_version} (run {r.id})"))
