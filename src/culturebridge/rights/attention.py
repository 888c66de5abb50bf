"""Works whose rights are not registered yet."""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from culturebridge.accounts.users import User
from culturebridge.rights._tables import certificates
from culturebridge.storage.schema import works


def unregistered_works(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Works with no certificate (creators: their own), counted up to `cap`."""
    stmt = select(works.c.id).where(~exists().where(certificates.c.work_id == works.c.id))
    if viewer.role == "creator":
        stmt = stmt.where(works.c.owner_id == viewer.id)
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
