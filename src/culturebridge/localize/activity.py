"""The localize stage's part of "who did what": localizations started and segments edited by hand."""

from __future__ import annotations

from sqlalchemy import Connection, select

from culturebridge.accounts.activity import Activity, ActivityQuery, newest_first, recent
from culturebridge.localize._tables import localizations, segments


def activity(conn: Connection, query: ActivityQuery) -> list[Activity]:
    loc, seg = localizations.c, segments.c
    started = select(loc.work_id, loc.source_lang, loc.target_lang, loc.created_by, loc.created_at)
    edited = (select(loc.work_id, loc.target_lang, seg.segment_id, seg.edited_by, seg.updated_at)
              .join_from(segments, localizations, seg.localization_id == loc.id)
              .where(seg.edited_by.is_not(None)))
    return newest_first([
        recent(conn, started, loc.created_at, loc.created_by, query,
               lambda r: Activity(r.created_at, "localize", "localization-started", r.created_by, r.work_id,
                                  f"{r.source_lang} → {r.target_lang}")),
        recent(conn, edited, seg.updated_at, seg.edited_by, query,
               lambda r: Activity(r.updated_at, "localize", "segment-edited", r.edited_by, r.work_id,
                                  f"{r.target_lang} {r.segment_id}")),
    ], query.limit)
