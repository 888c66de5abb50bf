"""Works whose rights are not registered yet."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from culturebridge.accounts import User
from culturebridge.catalog import work_ids
from culturebridge.rights._tables import certificates


def unregistered_works(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Works with no certificate (creators: their own), counted up to `cap`."""
    found = work_ids(owner_id=viewer.id if viewer.role == "creator" else None).subquery()
    stmt = select(found.c.id).where(found.c.id.not_in(select(certificates.c.work_id)))
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
