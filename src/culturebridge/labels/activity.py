"""The labels stage's part of "who did what": its audit log of labelling and checks."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.labels._tables import label_events


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = label_events.c
    stmt = select(c.at, c.actor_id, c.actor, c.action, c.work_id, c.asset_id, c.verdict)
    return recent(conn, stmt, c.at, c.actor_id, query,
                  lambda r: Activity(r.at, "labels", r.action, r.actor_id, r.work_id,
                                     " ".join(x for x in (r.asset_id and f"asset {r.asset_id}", r.verdict) if x),
                                     r.actor or ""))
