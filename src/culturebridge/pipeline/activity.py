"""Who did what across the stages: one timeline merged from every stage's own history.

Each stage answers `activity(conn, query)` from the records it already keeps (the rights
log's certificates, the review and labelling audit logs, conflict decisions, publications,
localizations, drafts, audit runs); automation runs come from this layer's own table. The
timeline is a view over them: nothing is copied, so it can never disagree with a stage.

Pages are keyset-paginated by time. A page never splits one instant: when the last item
shares its time with others, all of them are on this page, so the next page can start
strictly before it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, select

from culturebridge import (
    accounts,
    audit,
    catalog,
    create,
    feed,
    fingerprint,
    labels,
    localize,
    review,
    rights,
)
from culturebridge.accounts.activity import MAX_LIMIT, Activity, ActivityQuery, newest_first, recent
from culturebridge.errors import InvalidInput
from culturebridge.pipeline._tables import automation_runs

Source = Callable[[Connection, ActivityQuery], list[Activity]]


def _automation(conn: Connection, query: ActivityQuery) -> list[Activity]:
    c = automation_runs.c
    stmt = select(c.at, c.actor_id, c.rule_name, c.action, c.outcome, c.work_id, c.detail)
    return recent(conn, stmt, c.at, c.actor_id, query,
                  lambda r: Activity(r.at, "automation", f"{r.action}: {r.outcome}", r.actor_id, r.work_id,
                                     r.detail, f"rule: {r.rule_name}"))


# In pipeline order; the page's stage filter offers these names.
SOURCES: dict[str, Source] = {
    "accounts": accounts.account_activity,
    "catalog": catalog.activity,
    "rights": rights.activity,
    "fingerprint": fingerprint.activity,
    "labels": labels.activity,
    "review": review.activity,
    "localize": localize.activity,
    "feed": feed.activity,
    "create": create.activity,
    "audit": audit.activity,
    "automation": _automation,
}


@dataclass(frozen=True)
class Timeline:
    items: list[Activity]
    next_before: datetime | None  # pass as `before` for the next page; None on the last page


def timeline(conn: Connection, query: ActivityQuery, stages: Collection[str] = ()) -> Timeline:
    """The newest actions across `stages` (all when empty), by `query.actor_id` when given."""
    unknown = sorted(set(stages) - SOURCES.keys())
    if unknown:
        raise InvalidInput(f"unknown stage {unknown[0]!r}", hint="one of " + ", ".join(SOURCES))
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit {query.limit} is out of range", hint=f"ask for 1 to {MAX_LIMIT} items")
    sources = [SOURCES[s] for s in SOURCES if not stages or s in stages]
    probe = replace(query, limit=query.limit + 1)
    items = newest_first([source(conn, probe) for source in sources], query.limit + 1)
    if len(items) <= query.limit:
        return Timeline(items, None)
    items = items[:query.limit]
    last = items[-1].at
    same_instant = replace(query, before=None, at=last, limit=MAX_LIMIT)
    tied = newest_first([source(conn, same_instant) for source in sources], MAX_LIMIT)
    items = [a for a in items if a.at != last] + tied
    return Timeline(items, last)
