"""Feed storage: publications, anonymous viewers, idempotent audience events, explorer arms.

Plain functions over a Core `Connection` (the caller owns the transaction). Event ids come
from the client, so a retried POST is stored once (clients retry: at-least-once delivery).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal, cast, get_args

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from culturebridge.errors import InvalidFeedRequest, NotFound
from culturebridge.feed._tables import (
    events,
    explorer_arms,
    publication_assets,
    publications,
    served,
    served_daily,
    snapshots,
    viewers,
)
from culturebridge.ids import as_utc, new_id, now
from culturebridge.storage.bulk import existing_keys, insert_rows

EventType = Literal["impression", "view", "like", "share", "follow", "skip"]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
# How much each event says the viewer wants this work (impressions and skips: nothing).
EVENT_WEIGHTS: dict[str, float] = {"view": 1.0, "like": 3.0, "share": 4.0, "follow": 5.0}
VIEW_ENGAGED = 0.5  # a view counts as engagement from half the item watched

MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
VIEWER = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
EVENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


@dataclass(frozen=True)
class Publication:
    """A work offered in one market, shown as `served_work_id` with `label` (may be empty)."""

    id: str
    work_id: str
    market: str
    language: str
    served_work_id: str
    label: str
    published_by: str | None
    published_at: datetime
    assets: tuple[tuple[str, str], ...]  # (asset_id, served_asset_id)


@dataclass(frozen=True)
class Event:
    """One audience event as the client sent it."""

    event_id: str
    viewer_id: str
    work_id: str
    market: str
    type: EventType
    watch_fraction: float | None = None
    at: datetime | None = None  # when it happened; None: when it is stored

    @property
    def engaged(self) -> bool:
        """Whether the event shows the viewer wants the work (view past half, like, share, follow)."""
        if self.type == "view":
            return (self.watch_fraction or 0.0) >= VIEW_ENGAGED
        return self.type in ("like", "share", "follow")


def check_market(market: str) -> str:
    """The market if it is COUNTRY/language (e.g. US/en), else a clear error."""
    if not isinstance(market, str) or not MARKET.match(market):
        raise InvalidFeedRequest(f"market {market!r} is not COUNTRY/language", hint="e.g. US/en or FR/fr")
    return market


def base_lang(tag: str) -> str:
    """zh-Hans -> zh."""
    return tag.split("-", 1)[0].lower()


def market_language(market: str) -> str:
    """The language part of a market (US/en -> en)."""
    return check_market(market).split("/", 1)[1]


def parse_event(raw: Any) -> Event:
    """An `Event` from a decoded JSON object, or InvalidFeedRequest saying what is wrong."""
    if not isinstance(raw, dict):
        raise InvalidFeedRequest("an event is a JSON object", hint="send {event_id, viewer, work_id, market, type}")
    fields = {k: raw.get(k) for k in ("event_id", "viewer", "work_id", "market", "type")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value:
            raise InvalidFeedRequest(f"event field {key!r} is missing or not a string")
    if not EVENT_ID.match(cast(str, fields["event_id"])):
        raise InvalidFeedRequest("event_id must be 8-64 characters of letters, digits, _.:-")
    if not VIEWER.match(cast(str, fields["viewer"])):
        raise InvalidFeedRequest("viewer must be 1-40 characters of letters, digits, _.:-")
    if fields["type"] not in EVENT_TYPES:
        raise InvalidFeedRequest(f"event type {fields['type']!r} is unknown", hint=f"use one of {', '.join(EVENT_TYPES)}")
    fraction = raw.get("watch_fraction")
    if fraction is not None:
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= float(fraction) <= 1.0:
            raise InvalidFeedRequest("watch_fraction must be a number from 0 to 1")
        fraction = float(fraction)
    return Event(
        cast(str, fields["event_id"]),
        cast(str, fields["viewer"]),
        cast(str, fields["work_id"]),
        check_market(cast(str, fields["market"])),
        cast(EventType, fields["type"]),
        fraction,
    )


# --- publications ----------------------------------------------------------------------------


def _publication(conn: Connection, row: Any) -> Publication:
    m = row._mapping
    pairs = conn.execute(
        select(publication_assets.c.asset_id, publication_assets.c.served_asset_id)
        .where(publication_assets.c.publication_id == m["id"])
        .order_by(publication_assets.c.asset_id)
    )
    return Publication(
        m["id"], m["work_id"], m["market"], m["language"], m["served_work_id"], m["label"],
        m["published_by"], as_utc(m["published_at"]), tuple((p[0], p[1]) for p in pairs),
    )


def save_publication(
    conn: Connection,
    work_id: str,
    market: str,
    served_work_id: str,
    label: str,
    published_by: str | None,
    assets: Sequence[tuple[str, str]],
) -> Publication:
    """Insert or replace the publication of a work in a market with its served assets."""
    language = market_language(market)
    row = conn.execute(
        select(publications.c.id).where((publications.c.work_id == work_id) & (publications.c.market == market))
    ).first()
    values = {"language": language, "served_work_id": served_work_id, "label": label,
              "published_by": published_by, "published_at": now()}
    if row is None:
        pub_id = new_id("pub")
        conn.execute(publications.insert().values(id=pub_id, work_id=work_id, market=market, **values))
    else:
        pub_id = row.id
        conn.execute(update(publications).where(publications.c.id == pub_id).values(**values))
        conn.execute(publication_assets.delete().where(publication_assets.c.publication_id == pub_id))
    for asset_id, served_id in dict(assets).items():
        conn.execute(publication_assets.insert().values(publication_id=pub_id, asset_id=asset_id,
                                                        served_asset_id=served_id))
    return get_publication(conn, work_id, market)


def get_publication(conn: Connection, work_id: str, market: str) -> Publication:
    """The publication of a work in a market; NotFound otherwise."""
    row = conn.execute(
        select(publications).where((publications.c.work_id == work_id) & (publications.c.market == market))
    ).first()
    if row is None:
        raise NotFound(f"work {work_id} is not published in {market}", hint="publish it first")
    return _publication(conn, row)


def list_publications(conn: Connection, *, market: str | None = None, work_id: str | None = None) -> list[Publication]:
    """Publications, optionally of one market or one work, oldest first."""
    query = select(publications).order_by(publications.c.published_at, publications.c.id)
    if market is not None:
        query = query.where(publications.c.market == market)
    if work_id is not None:
        query = query.where(publications.c.work_id == work_id)
    return [_publication(conn, r) for r in conn.execute(query)]


def published_markets(conn: Connection) -> tuple[str, ...]:
    """Markets with at least one publication."""
    return tuple(sorted(r[0] for r in conn.execute(select(publications.c.market).distinct())))


def is_served_asset(conn: Connection, asset_id: str) -> bool:
    """Whether an asset is served by some publication (only those reach the audience)."""
    row = conn.execute(
        select(publication_assets.c.served_asset_id).where(publication_assets.c.served_asset_id == asset_id).limit(1)
    ).first()
    return row is not None


def unpublish(conn: Connection, work_id: str, market: str) -> None:
    """Withdraw a work from a market (its events stay)."""
    pub = get_publication(conn, work_id, market)
    conn.execute(publications.delete().where(publications.c.id == pub.id))


# --- viewers and events -----------------------------------------------------------------------


def ensure_viewer(conn: Connection, viewer_id: str, market: str) -> None:
    """Record an anonymous viewer on first sight (market and language of first visit)."""
    if conn.execute(select(viewers.c.id).where(viewers.c.id == viewer_id)).first() is None:
        try:
            with conn.begin_nested():
                conn.execute(viewers.insert().values(id=viewer_id, market=market, language=market_language(market),
                                                     created_at=now()))
        except IntegrityError:  # a concurrent first visit stored it
            pass


def viewer_exists(conn: Connection, viewer_id: str) -> bool:
    """Whether an anonymous viewer of this id is stored (visited a feed page or sent an event)."""
    return conn.execute(select(viewers.c.id).where(viewers.c.id == viewer_id)).first() is not None


def record_event(conn: Connection, event: Event) -> bool:
    """Store an event once; False when its id was stored before (a retry)."""
    if conn.execute(select(events.c.event_id).where(events.c.event_id == event.event_id)).first() is not None:
        return False
    ensure_viewer(conn, event.viewer_id, event.market)
    try:
        with conn.begin_nested():
            conn.execute(events.insert().values(
                event_id=event.event_id, viewer_id=event.viewer_id, work_id=event.work_id, market=event.market,
                type=event.type, watch_fraction=event.watch_fraction, at=event.at or now()))
    except IntegrityError as exc:
        if conn.execute(select(events.c.event_id).where(events.c.event_id == event.event_id)).first() is not None:
            return False
        raise NotFound(f"work {event.work_id} does not exist", hint="send events for works the feed served") from exc
    return True


EVENT_COLUMNS = ("event_id", "viewer_id", "work_id", "market", "type", "watch_fraction", "at")


def stored_event_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of these event ids are stored already (primary-key look-ups)."""
    return {str(k[0]) for k in existing_keys(conn, events, ("event_id",), ((i,) for i in ids))}


def record_events(conn: Connection, batch: Sequence[Event]) -> list[Event]:
    """Store a batch of events in a few statements; returns those not stored before (the
    first of any id repeated in the batch). Every work must exist (NotFound otherwise)."""
    fresh: dict[str, Event] = {}
    for e in batch:
        fresh.setdefault(e.event_id, e)
    for seen in stored_event_ids(conn, list(fresh)):
        fresh.pop(seen, None)
    if not fresh:
        return []
    first_market: dict[str, str] = {}
    for e in fresh.values():
        first_market.setdefault(e.viewer_id, e.market)
    known = {str(k[0]) for k in existing_keys(conn, viewers, ("id",), ((v,) for v in first_market))}
    stamp = now()
    new_viewers = [(v, m, market_language(m), stamp) for v, m in first_market.items() if v not in known]
    rows = [(e.event_id, e.viewer_id, e.work_id, e.market, e.type, e.watch_fraction, e.at or stamp)
            for e in fresh.values()]
    try:
        with conn.begin_nested():
            # Multi-row statements at driver level: the per-row parameter building of Core's
            # executemany was a quarter of the ingestion time at 10,000-event batches.
            insert_rows(conn, viewers, ("id", "market", "language", "created_at"), new_viewers)
            insert_rows(conn, events, EVENT_COLUMNS, rows)
    except IntegrityError as exc:
        raise NotFound("an event names a work that does not exist, or was stored concurrently",
                       hint="send events for existing works, and retry the batch") from exc
    return list(fresh.values())


def interaction_rows(conn: Connection, market: str) -> list[tuple[str, str, float, float]]:
    """(viewer, work, weight, timestamp) rows of the market's engaged events."""
    rows = conn.execute(
        select(events.c.viewer_id, events.c.work_id, events.c.type, events.c.watch_fraction, events.c.at)
        .where((events.c.market == market) & events.c.type.in_(tuple(EVENT_WEIGHTS)))
        .order_by(events.c.at)
    )
    out: list[tuple[str, str, float, float]] = []
    for r in rows:
        if r.type == "view" and (r.watch_fraction or 0.0) < VIEW_ENGAGED:
            continue
        out.append((r.viewer_id, r.work_id, EVENT_WEIGHTS[r.type], as_utc(r.at).timestamp()))
    return out


def iter_events(conn: Connection, chunk: int = 5000) -> Iterator[list[Event]]:
    """Every stored event, in chunks, oldest first (for rebuilding derived figures)."""
    last: tuple[datetime, str] | None = None
    while True:
        query = select(events).order_by(events.c.at, events.c.event_id).limit(chunk)
        if last is not None:
            query = query.where((events.c.at > last[0]) | ((events.c.at == last[0]) & (events.c.event_id > last[1])))
        rows = conn.execute(query).all()
        if not rows:
            return
        yield [Event(r.event_id, r.viewer_id, r.work_id, r.market, r.type, r.watch_fraction, as_utc(r.at))
               for r in rows]
        last = (rows[-1].at, rows[-1].event_id)


def count_events(conn: Connection, market: str | None = None) -> int:
    """Stored events (of one market)."""
    query = select(func.count()).select_from(events)
    if market is not None:
        query = query.where(events.c.market == market)
    return int(conn.execute(query).scalar_one())


# --- served slots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedRow:
    """One slot as served: to whom, where, what, at which position, and why."""

    viewer_id: str
    market: str
    work_id: str
    position: int
    reason: str
    score: float
    generation: int
    served_at: datetime


_SERVED_COLUMNS = [f.name for f in fields(ServedRow)]
_served_values = attrgetter(*_SERVED_COLUMNS)


def log_served(conn: Connection, rows: Sequence[ServedRow]) -> None:
    """Append served slots to the log in multi-row statements.

    Not an executemany: SQLite's driver lets go of the GIL and takes it back for every row it
    steps, and a web process logs thousands of slots a second while its event loop is busy
    answering, so each row waited for the loop's next GIL switch (and cost the loop one).
    """
    insert_rows(conn, served, _SERVED_COLUMNS, [_served_values(r) for r in rows])


ROLL_UP_BATCH = 20_000


def roll_up_served(conn: Connection, before: datetime, batch: int = ROLL_UP_BATCH) -> int:
    """Count up to `batch` slots served before `before` into the daily roll-up and delete them.

    Returns how many rows went; call again (in a new transaction, to keep each write short)
    until it returns 0. Counts per (UTC day, market, reason): served, engaged, skipped.
    """
    rows = conn.execute(
        select(served.c.id, served.c.served_at, served.c.market, served.c.reason, served.c.outcome)
        .where(served.c.served_at < before).order_by(served.c.id).limit(batch)
    ).all()
    if not rows:
        return 0
    totals: dict[tuple[str, str, str], list[int]] = {}
    for r in rows:
        key = (as_utc(r.served_at).date().isoformat(), str(r.market), str(r.reason))
        counts = totals.setdefault(key, [0, 0, 0])
        counts[0] += 1
        counts[1] += r.outcome == "engaged"
        counts[2] += r.outcome == "skipped"
    for (day, market, reason), (n, engaged, skipped) in totals.items():
        row = (served_daily.c.day == day) & (served_daily.c.market == market) & (served_daily.c.reason == reason)
        done = conn.execute(update(served_daily).where(row).values(
            served=served_daily.c.served + n, engaged=served_daily.c.engaged + engaged,
            skipped=served_daily.c.skipped + skipped))
        if done.rowcount == 0:
            conn.execute(served_daily.insert().values(day=day, market=market, reason=reason, served=n,
                                                      engaged=engaged, skipped=skipped))
    conn.execute(served.delete().where(served.c.id.in_([r.id for r in rows])))
    return len(rows)


def settle_served(conn: Connection, event: Event) -> str | None:
    """Mark the newest undecided slot that showed this work to this viewer with the event's
    outcome; returns why that slot was served, or None when the event decides nothing."""
    if not (event.engaged or event.type == "skip"):
        return None
    row = conn.execute(
        select(served.c.id, served.c.reason)
        .where((served.c.viewer_id == event.viewer_id) & (served.c.market == event.market)
               & (served.c.work_id == event.work_id) & served.c.outcome.is_(None))
        .order_by(served.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    conn.execute(update(served).where(served.c.id == row.id)
                 .values(outcome="engaged" if event.engaged else "skipped"))
    return str(row.reason)


def served_outcomes(conn: Connection, market: str) -> dict[str, tuple[int, int]]:
    """(slots served, slots engaged) per reason in a market: what each source converts."""
    rows = conn.execute(
        select(served.c.reason, func.count(), func.count().filter(served.c.outcome == "engaged"))
        .where(served.c.market == market).group_by(served.c.reason)
    )
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


# --- exploration state ------------------------------------------------------------------------


def add_arm_result(conn: Connection, segment: str, work_id: str, converted: bool) -> None:
    """Count one exploration outcome for (segment, work) in the stored explorer state."""
    win = 1.0 if converted else 0.0
    key = (explorer_arms.c.segment == segment) & (explorer_arms.c.work_id == work_id)
    done = conn.execute(update(explorer_arms).where(key).values(
        wins=explorer_arms.c.wins + win, trials=explorer_arms.c.trials + 1.0))
    if done.rowcount == 0:
        conn.execute(explorer_arms.insert().values(segment=segment, work_id=work_id, wins=win, trials=1.0))


def load_arms(conn: Connection, segment: str, work_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Stored (wins, trials) per work of a segment."""
    wanted = set(work_ids)
    rows = conn.execute(select(explorer_arms).where(explorer_arms.c.segment == segment))
    return {r.work_id: (float(r.wins), float(r.trials)) for r in rows if r.work_id in wanted}


# --- snapshots ----------------------------------------------------------------------------------


def add_snapshot(conn: Connection, markets: int, items: int, n_events: int, collaborative: bool, file: str) -> int:
    """Record a refresh; returns its generation number."""
    result = conn.execute(snapshots.insert().values(
        built_at=now(), markets=markets, items=items, events=n_events, collaborative=collaborative, file=file))
    key = result.inserted_primary_key
    return int(key[0]) if key is not None else latest_snapshot(conn)


def catalog_stamp(conn: Connection) -> tuple[int, int, str]:
    """Changes when a refresh is recorded or a publication is added, replaced or withdrawn."""
    count, newest = conn.execute(select(func.count(), func.max(publications.c.published_at))).one()
    return latest_snapshot(conn), int(count), str(newest)


def latest_snapshot(conn: Connection) -> int:
    """The newest refresh generation (0 when never refreshed)."""
    value = conn.execute(select(func.max(snapshots.c.id))).scalar_one()
    return int(value or 0)
