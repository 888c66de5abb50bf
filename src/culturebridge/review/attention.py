"""What waits on the review desk: how many items, and since when the oldest one waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from culturebridge.ids import as_utc
from culturebridge.review._tables import review_items

WAITING_STATES = ("queued", "appealed")


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None  # when the longest-waiting item was queued


def waiting_reviews(conn: Connection) -> Waiting:
    """Items queued for a human decision or appealed (served by ix_review_items_state_queued_at)."""
    row = conn.execute(
        select(func.count(), func.min(review_items.c.queued_at)).where(review_items.c.state.in_(WAITING_STATES))
    ).one()
    return Waiting(int(row[0]), as_utc(row[1]) if row[1] is not None else None)
