"""The review stage's part of "who did what": its append-only audit log."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.review._tables import review_audit


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = review_audit.c
    stmt = select(c.at, c.actor_id, c.actor, c.action, c.work_id, c.decision, c.clause)
    return recent(conn, stmt, c.at, c.actor_id, query,
                  lambda r: Activity(r.at, "review", r.action, r.actor_id, r.work_id,
                                     " ".join(x for x in (r.decision, r.clause) if x), r.actor or ""))
