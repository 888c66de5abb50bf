"""Copies found that wait for a decision by the person who may take it."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from culturebridge.accounts import User
from culturebridge.catalog import work_ids_owned_by
from culturebridge.fingerprint._tables import fingerprint_conflicts


def open_conflicts(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Open conflicts `viewer` decides: all for an admin, else those copying a work they own (at most `cap`)."""
    stmt = select(fingerprint_conflicts.c.id).where(fingerprint_conflicts.c.state == "open")
    if viewer.role != "admin":
        stmt = stmt.where(fingerprint_conflicts.c.matched_work_id.in_(work_ids_owned_by(viewer.id)))
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
