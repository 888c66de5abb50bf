"""Files that need an AI-content label and have none yet (GB 45438 §4: AI-generated content is labelled)."""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from culturebridge.accounts import User
from culturebridge.catalog import work_ids
from culturebridge.labels._tables import label_checks, label_renditions


def unlabelled_files(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Files of AI-generated works checked without a compliant label and with no labelled copy (at most `cap`)."""
    works = work_ids(ai_generated=True, owner_id=viewer.id if viewer.role == "creator" else None)
    stmt = (
        select(label_checks.c.asset_id)
        .where(label_checks.c.work_id.in_(works), label_checks.c.verdict != "compliant")
        .where(~exists().where(label_renditions.c.source_asset_id == label_checks.c.asset_id))
        .where(~exists().where(label_renditions.c.asset_id == label_checks.c.asset_id))
    )
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
