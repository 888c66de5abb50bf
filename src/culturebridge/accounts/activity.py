"""Who did what: one shape for the actions every stage records, newest first.

Each stage keeps its own history (the rights log's certificates, the review and labelling
audit logs, conflict decisions, publications...). A stage exposes it as `activity(conn,
query)`, built with `recent()` below, and the top layer merges the stages' lists into one
timeline (`pipeline.activity`). Nothing here is stored twice: the timeline is a view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select
from sqlalchemy.sql.elements import ColumnElement

from culturebridge.ids import as_utc

MAX_LIMIT = 5000  # the most one page (or one CSV download) holds


@dataclass(frozen=True)
class Activity:
    """One action: when, in which stage, what, by whom, on which work."""

    at: datetime
    stage: str
    action: str
    actor_id: str | None  # None: the platform itself (a job, an automation rule without author)
    work_id: str | None
    detail: str = ""
    actor: str = ""  # a name the stage recorded for automated actors ("rule: …", "worker")


@dataclass(frozen=True)
class ActivityQuery:
    """Which actions: by one actor or anyone, older than `before` or exactly `at`, at most `limit`."""

    actor_id: str | None = None
    before: datetime | None = None  # exclusive: the keyset cursor of the previous page
    at: datetime | None = None  # exactly this instant (to complete a page's last instant)
    limit: int = 50


def recent(conn: Connection, stmt: Select[Any], at: ColumnElement[Any], actor: ColumnElement[Any] | None,
           query: ActivityQuery, to_activity: Callable[[Row[Any]], Activity]) -> list[Activity]:
    """`stmt`'s rows as activity, newest first, narrowed by `query` (`at`/`actor` are its columns).

    A source without an actor column (`actor` None) has nothing to show for a query by actor.
    """
    if query.actor_id is not None:
        if actor is None:
            return []
        stmt = stmt.where(actor == query.actor_id)
    if query.at is not None:
        stmt = stmt.where(at == query.at)
    elif query.before is not None:
        stmt = stmt.where(at < query.before)
    stmt = stmt.where(at.is_not(None)).order_by(at.desc()).limit(min(query.limit, MAX_LIMIT))
    return [replace(a, at=as_utc(a.at)) for a in map(to_activity, conn.execute(stmt))]


def newest_first(lists: Sequence[Sequence[Activity]], limit: int) -> list[Activity]:
    """The `limit` newest of several newest-first lists (ties in a stable, documented order)."""
    merged = sorted((a for one in lists for a in one), key=lambda a: (a.at, a.stage, a.action), reverse=True)
    return merged[:limit]
