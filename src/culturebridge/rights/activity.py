"""The rights stage's part of "who did what": claims registered in the log."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, recent
from culturebridge.rights._tables import certificates


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = certificates.c
    stmt = select(c.leaf_index, c.work_id, c.registered_by, c.registered_at, c.licence)
    return recent(conn, stmt, c.registered_at, c.registered_by, query,
                  lambda r: Activity(r.registered_at, "rights", "registered", r.registered_by, r.work_id,
                                     f"leaf {r.leaf_index}, licence {r.licence}"))
