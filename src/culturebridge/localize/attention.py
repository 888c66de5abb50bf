"""Localizations whose segments carry QA flags a person should look at."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, String, cast, func, select

from culturebridge.accounts import User
from culturebridge.catalog import work_ids_owned_by
from culturebridge.localize._tables import localizations, segments


@dataclass(frozen=True)
class Flagged:
    work_id: str
    target_lang: str
    flagged_segments: int


def flagged_localizations(conn: Connection, viewer: User, limit: int = 5) -> list[Flagged]:
    """Up to `limit` localizations with flagged segments, most flags first (creators: their own works)."""
    flags = func.count().label("flags")
    stmt = (
        select(localizations.c.work_id, localizations.c.target_lang, flags)
        .join(segments, segments.c.localization_id == localizations.c.id)
        .where(cast(segments.c.issues, String) != "[]")
        .group_by(localizations.c.id, localizations.c.work_id, localizations.c.target_lang)
        .order_by(flags.desc(), localizations.c.work_id)
        .limit(max(1, limit))
    )
    if viewer.role == "creator":
        stmt = stmt.where(localizations.c.work_id.in_(work_ids_owned_by(viewer.id)))
    return [Flagged(r.work_id, r.target_lang, int(r.flags)) for r in conn.execute(stmt)]
