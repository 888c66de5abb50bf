"""Copies found that wait for a decision by the person who may take it."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from culturebridge.accounts.users import User
from culturebridge.fingerprint._tables import fingerprint_conflicts
from culturebridge.storage.schema import works


def open_conflicts(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Open conflicts `viewer` decides: all for an admin, else those copying a work they own (at most `cap`)."""
    stmt = select(fingerprint_conflicts.c.id).where(fingerprint_conflicts.c.state == "open")
    if viewer.role != "admin":
        owned = select(works.c.id).where(works.c.owner_id == viewer.id)
        stmt = stmt.where(fingerprint_conflicts.c.matched_work_id.in_(owned))
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
