"""The catalogue's part of "who did what": works created, by their owner."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.catalog._tables import works


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    stmt = select(works.c.id, works.c.owner_id, works.c.created_at, works.c.kind)
    return recent(conn, stmt, works.c.created_at, works.c.owner_id, query,
                  lambda r: Activity(r.created_at, "catalog", "work-created", r.owner_id, r.id, r.kind))
