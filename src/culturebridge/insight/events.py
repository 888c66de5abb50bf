"""First-party audience events into the feed's event log, comments and the roll-ups.

`parse` accepts the import format (`work` or `work_id`, `at` in ISO 8601, `text` for
comments) and names what is wrong; `ingest` stores a batch in a few statements and adds
exactly the newly stored events to the roll-ups in the same transaction, so a batch sent
twice, or an event id seen before, is never counted twice. `on_feed_event` is the sink the
live feed calls for every event it stores one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.errors import InvalidFeedRequest, InvalidInput
from culturebridge.feed import Event, check_market, parse_event, record_events, stored_event_ids
from culturebridge.ids import as_utc, now
from culturebridge.insight import experiments, rollup
from culturebridge.insight._tables import comments
from culturebridge.insight.comments import MAX_COMMENT_CHARS, CommentAnalyzer, shared_analyzer
from culturebridge.insight.rollup import Signal
from culturebridge.storage.bulk import existing_keys

TYPES = ("impression", "view", "like", "share", "follow", "skip", "comment")
FIELDS = ("event_id", "viewer", "market", "work", "type", "watch_fraction", "at", "text")
REQUIRED = ("event_id", "viewer", "market", "work", "type", "at")


@dataclass(frozen=True)
class AudienceEvent:
    """One first-party event: a feed event, or a comment with its text."""

    event_id: str
    viewer_id: str
    work_id: str
    market: str
    type: str
    at: datetime
    watch_fraction: float | None = None
    text: str | None = None


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time (a Z or offset; a naive time is taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("'at' must be an ISO 8601 time, e.g. 2026-11-02T08:30:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"'at' {value!r} is not an ISO 8601 time") from exc
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse(raw: Mapping[str, Any], *, default_time: datetime | None = None) -> AudienceEvent:
    """An event from a decoded object (JSON line, CSV row or API body); InvalidInput says why not."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("an event is an object with event_id, viewer, market, work, type, at")
    data = dict(raw)
    if "work" in data and "work_id" not in data:
        data["work_id"] = data.pop("work")
    if data.get("watch_fraction") == "":
        data["watch_fraction"] = None
    if isinstance(data.get("watch_fraction"), str):
        try:
            data["watch_fraction"] = float(data["watch_fraction"])
        except ValueError as exc:
            raise InvalidInput(f"watch_fraction {data['watch_fraction']!r} is not a number") from exc
    kind = data.get("type")
    if data.get("at") in (None, ""):
        if default_time is None:
            raise InvalidInput("'at' is missing: when the event happened, in ISO 8601")
        at = default_time
    else:
        at = parse_time(data["at"])
    if kind == "comment":
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("a comment needs its text")
        if len(text) > MAX_COMMENT_CHARS or "\x00" in text:
            raise InvalidInput(f"a comment is at most {MAX_COMMENT_CHARS} characters of text")
        base = parse_event({**data, "type": "like"})  # the same id, viewer, work and market rules
        return AudienceEvent(base.event_id, base.viewer_id, base.work_id, base.market, "comment", at, None, text)
    if kind not in TYPES:
        raise InvalidInput(f"event type {kind!r} is unknown", hint=f"use one of {', '.join(TYPES)}")
    try:
        e = parse_event(data)
    except InvalidFeedRequest as exc:
        raise InvalidInput(exc.message, hint=exc.hint) from exc
    if e.type == "view" and e.watch_fraction is None:
        raise InvalidInput("a view needs its watch_fraction (0-1, the furthest position reached)")
    return AudienceEvent(e.event_id, e.viewer_id, e.work_id, e.market, e.type, at, e.watch_fraction)


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    held_comments: int = 0


def _check_works(conn: Connection, work_ids: set[str]) -> None:
    for work_id in sorted(work_ids):
        catalog.get_work(conn, work_id)  # NotFound names the missing work


def ingest(conn: Connection, batch: Sequence[AudienceEvent], analyzer: CommentAnalyzer | None = None) -> IngestResult:
    """Store a batch (caller's transaction): new events once, roll-ups in step. NotFound for an unknown work."""
    if not batch:
        return IngestResult(0, 0)
    _check_works(conn, {e.work_id for e in batch})
    seen_comments = {str(k[0]) for k in existing_keys(conn, comments, ("event_id",), ((e.event_id,) for e in batch))}
    feed_batch = [Event(e.event_id, e.viewer_id, e.work_id, e.market, e.type, e.watch_fraction, e.at)  # type: ignore[arg-type]
                  for e in batch if e.type != "comment" and e.event_id not in seen_comments]
    stored = record_events(conn, feed_batch)
    stored_ids = {e.event_id for e in stored}
    signals = [Signal(e.event_id, e.viewer_id, e.work_id, e.market, e.type, as_utc(e.at or now()), e.watch_fraction)
               for e in stored]
    new_comments: dict[str, AudienceEvent] = {}
    if any(e.type == "comment" for e in batch):
        taken = stored_event_ids(conn, [e.event_id for e in batch if e.type == "comment"])  # one id space
        for e in batch:
            if e.type == "comment" and e.event_id not in seen_comments and e.event_id not in taken \
                    and e.event_id not in stored_ids:
                new_comments.setdefault(e.event_id, e)
    held = 0
    if new_comments:
        tool = analyzer or shared_analyzer()
        rows = []
        for e in new_comments.values():
            assert e.text is not None
            verdict = tool.analyze(e.text)
            held += verdict.status != "visible"
            rows.append({"event_id": e.event_id, "viewer_id": e.viewer_id, "work_id": e.work_id, "market": e.market,
                         "at": e.at, "text": e.text, "language": verdict.language, "sentiment": verdict.sentiment,
                         "status": verdict.status, "moderation": verdict.moderation})
            signals.append(Signal(e.event_id, e.viewer_id, e.work_id, e.market, "comment", e.at,
                                  sentiment=verdict.sentiment if verdict.status == "visible" else None))
        conn.execute(comments.insert(), rows)
    rollup.apply(conn, signals)
    experiments.count(conn, signals)
    return IngestResult(len(signals), len(batch) - len(signals), held)


def on_feed_event(conn: Connection, event: Event, reason: str | None) -> None:
    """Roll up one event the live feed just stored (in its transaction)."""
    check_market(event.market)
    signal = Signal(event.event_id, event.viewer_id, event.work_id, event.market, event.type,
                    as_utc(event.at or now()), event.watch_fraction, reason=reason)
    rollup.apply(conn, [signal])
    experiments.count(conn, [signal])
