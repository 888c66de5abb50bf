"""Files that need an AI-content label and have none yet (GB 45438 §4: AI-generated content is labelled)."""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from culturebridge.accounts.users import User
from culturebridge.labels._tables import label_checks, label_renditions
from culturebridge.storage.schema import assets, works


def unlabelled_files(conn: Connection, viewer: User, cap: int = 1000) -> int:
    """Files of AI-generated works checked without a compliant label and with no labelled copy (at most `cap`)."""
    stmt = (
        select(label_checks.c.asset_id)
        .join(works, works.c.id == label_checks.c.work_id)
        .join(assets, assets.c.id == label_checks.c.asset_id)
        .where(works.c.ai_generated.is_(True), label_checks.c.verdict != "compliant", assets.c.superseded_by.is_(None))
        .where(~exists().where(label_renditions.c.source_asset_id == label_checks.c.asset_id))
        .where(~exists().where(label_renditions.c.asset_id == label_checks.c.asset_id))
    )
    if viewer.role == "creator":
        stmt = stmt.where(works.c.owner_id == viewer.id)
    return int(conn.execute(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one())
