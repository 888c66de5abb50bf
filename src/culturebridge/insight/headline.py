"""The stage's headline for the studio's home page: the last week against the week before.

Read from the daily roll-ups only (`insight_daily`), so it costs the same at ten million
events as at ten: at most `days × 2 × markets` rows for the platform, or those of the
caller's own works for a creator. First-party figures only; imported platform exports
(`insight_external`) are never mixed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, func, select

from culturebridge.catalog import work_ids_owned_by
from culturebridge.insight._tables import daily
from culturebridge.insight.rollup import ALL

TOP_MARKETS = 3


@dataclass(frozen=True)
class Headline:
    """Views, completion and engagement in the last `days` days, and in the `days` before."""

    days: int
    views: int
    previous_views: int
    completed: int
    likes: int
    shares: int
    top_markets: tuple[tuple[str, int], ...]  # (market, views), most views first

    @property
    def completion(self) -> float | None:
        return self.completed / self.views if self.views else None

    @property
    def change(self) -> float | None:
        """Relative change of views against the previous period (None when it had none)."""
        return (self.views - self.previous_views) / self.previous_views if self.previous_views else None

    @property
    def empty(self) -> bool:
        return not self.views and not self.previous_views


def headline(conn: Connection, *, today: date, owner_id: str | None = None, days: int = 7) -> Headline:
    """The platform's headline, or only `owner_id`'s works when given (a creator's home)."""
    start = today - timedelta(days=days - 1)
    before = start - timedelta(days=days)
    scope = daily.c.work_id.in_(work_ids_owned_by(owner_id)) if owner_id is not None else daily.c.work_id == ALL
    recent = daily.c.day >= start.isoformat()
    rows = conn.execute(
        select(
            recent.label("recent"),
            daily.c.market,
            func.sum(daily.c.views),
            func.sum(daily.c.completed),
            func.sum(daily.c.likes),
            func.sum(daily.c.shares),
        )
        .where(scope, daily.c.day >= before.isoformat(), daily.c.day <= today.isoformat())
        .group_by(recent, daily.c.market)
    ).all()
    views = previous = completed = likes = shares = 0
    by_market: dict[str, int] = {}
    for is_recent, market, v, c, lk, sh in rows:
        if not is_recent:
            previous += int(v or 0)
            continue
        views += int(v or 0)
        completed += int(c or 0)
        likes += int(lk or 0)
        shares += int(sh or 0)
        by_market[market] = by_market.get(market, 0) + int(v or 0)
    top = sorted(((m, v) for m, v in by_market.items() if v), key=lambda mv: (-mv[1], mv[0]))[:TOP_MARKETS]
    return Headline(days, views, previous, completed, likes, shares, tuple(top))
