"""The feed stage's part of "who did what": publications per market."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.feed._tables import publications


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = publications.c
    stmt = select(c.work_id, c.market, c.language, c.published_by, c.published_at)
    return recent(conn, stmt, c.published_at, c.published_by, query,
                  lambda r: Activity(r.published_at, "feed", "published", r.published_by, r.work_id,
                                     f"{r.market} ({r.language})"))
