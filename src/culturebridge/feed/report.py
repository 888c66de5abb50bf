"""What the feed did per market: slots served by reason and how they ended, break-out reach.

Read from the served-slot log and the events (`store.py`); nothing here writes. A slot's
outcome is the first deciding event on it (an engaged view, like, share or follow; or a
skip), so `engaged / served` per reason is the conversion of each candidate source, and
the exploration row is what break-out slots bought: how many viewers were shown a culture
they had not engaged with, how many took to it, and how many then followed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, and_, distinct, func, select

from culturebridge.feed._tables import events, publications, served, served_daily
from culturebridge.feed.ranking import SOURCES
from culturebridge.feed.store import check_market, published_markets

REASONS: tuple[str, ...] = (*SOURCES, "exploration")


@dataclass(frozen=True)
class ReasonFigures:
    """Slots served for one reason and how they ended."""

    reason: str
    served: int
    engaged: int
    skipped: int

    @property
    def conversion(self) -> float:
        """Engaged slots over served slots."""
        return self.engaged / self.served if self.served else 0.0


@dataclass(frozen=True)
class MarketReport:
    """One market's feed figures."""

    market: str
    publications: int
    viewers: int
    events: dict[str, int]
    reasons: tuple[ReasonFigures, ...]
    breakout_viewers: int
    breakout_converted_viewers: int
    breakout_follows: int

    @property
    def served(self) -> int:
        """All slots served in the market."""
        return sum(r.served for r in self.reasons)

    @property
    def exploration_share(self) -> float:
        """Share of served slots that were break-out exploration."""
        explored = next((r.served for r in self.reasons if r.reason == "exploration"), 0)
        return explored / self.served if self.served else 0.0

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON output (with the derived figures)."""
        out = asdict(self)
        out["reasons"] = {r.reason: {"served": r.served, "engaged": r.engaged, "skipped": r.skipped,
                                     "conversion": round(r.conversion, 4)} for r in self.reasons}
        out["served"] = self.served
        out["exploration_share"] = round(self.exploration_share, 4)
        return out


def market_report(conn: Connection, market: str) -> MarketReport:
    """The figures of one market (COUNTRY/lang)."""
    check_market(market)
    in_market = served.c.market == market
    counts = {
        str(r.reason): (int(r.total), int(r.engaged or 0), int(r.skipped or 0))
        for r in conn.execute(
            select(served.c.reason, func.count().label("total"),
                   func.count().filter(served.c.outcome == "engaged").label("engaged"),
                   func.count().filter(served.c.outcome == "skipped").label("skipped"))
            .where(in_market).group_by(served.c.reason)
        )
    }
    for r in conn.execute(select(served_daily).where(served_daily.c.market == market)):  # rolled-up older slots
        total, engaged, skipped = counts.get(str(r.reason), (0, 0, 0))
        counts[str(r.reason)] = (total + int(r.served), engaged + int(r.engaged), skipped + int(r.skipped))
    reasons = tuple(ReasonFigures(r, *counts.get(r, (0, 0, 0))) for r in REASONS)
    explored = in_market & (served.c.reason == "exploration")
    by_type = {str(t): int(n) for t, n in conn.execute(
        select(events.c.type, func.count()).where(events.c.market == market).group_by(events.c.type))}
    follows = conn.execute(
        select(func.count(distinct(events.c.event_id))).select_from(
            events.join(served, and_(served.c.viewer_id == events.c.viewer_id, served.c.market == events.c.market,
                                     served.c.work_id == events.c.work_id)))
        .where(explored & (events.c.type == "follow"))
    ).scalar_one()
    return MarketReport(
        market=market,
        publications=int(conn.execute(select(func.count()).select_from(publications)
                                      .where(publications.c.market == market)).scalar_one()),
        viewers=int(conn.execute(select(func.count(distinct(served.c.viewer_id))).where(in_market)).scalar_one()),
        events=by_type,
        reasons=reasons,
        breakout_viewers=int(conn.execute(
            select(func.count(distinct(served.c.viewer_id))).where(explored)).scalar_one()),
        breakout_converted_viewers=int(conn.execute(
            select(func.count(distinct(served.c.viewer_id))).where(explored & (served.c.outcome == "engaged"))
        ).scalar_one()),
        breakout_follows=int(follows),
    )


def feed_report(conn: Connection, market: str | None = None) -> list[MarketReport]:
    """Figures for one market, or for every market that is published or was served."""
    if market is not None:
        return [market_report(conn, market)]
    seen = {str(m) for m in conn.execute(select(served.c.market).distinct()).scalars()}
    return [market_report(conn, m) for m in sorted(set(published_markets(conn)) | seen)]
