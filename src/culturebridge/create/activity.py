"""The create stage's part of "who did what": drafts started from a source work."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.create._tables import create_drafts


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = create_drafts.c
    stmt = select(c.id, c.source_id, c.kind, c.market, c.created_by, c.created_at)
    return recent(conn, stmt, c.created_at, c.created_by, query,
                  lambda r: Activity(r.created_at, "create", "draft-started", r.created_by, r.source_id,
                                     " ".join(x for x in (r.kind, r.market, f"draft {r.id}") if x)))
