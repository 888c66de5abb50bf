"""The append-only log of labelling actions (who, when, which asset, what, which label).

The Labeling Measures expect platforms to keep records of labelling for at least six
months; this log has no update or delete path at all, so it is kept for as long as the
database is (see docs/labels.md, "Retention").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from culturebridge.errors import InvalidInput
from culturebridge.ids import as_utc, new_id, now
from culturebridge.labels._tables import label_events

ACTIONS = ("check", "rendition", "publication", "refused", "apply-file")
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class LabelEvent:
    """One labelling action."""

    id: str
    at: datetime
    actor_id: str | None
    actor: str | None
    action: str
    work_id: str | None
    asset_id: str | None
    result_asset_id: str | None
    label: dict[str, str] | None
    verdict: str | None
    tier: str | None
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (time in ISO 8601 UTC)."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "work_id": self.work_id,
            "asset_id": self.asset_id,
            "result_asset_id": self.result_asset_id,
            "label": self.label,
            "verdict": self.verdict,
            "tier": self.tier,
            "detail": self.detail,
        }


def log_event(
    conn: Connection,
    action: str,
    *,
    actor_id: str | None = None,
    actor: str | None = None,
    work_id: str | None = None,
    asset_id: str | None = None,
    result_asset_id: str | None = None,
    label: dict[str, str] | None = None,
    verdict: str | None = None,
    tier: str | None = None,
    detail: str | None = None,
) -> LabelEvent:
    """Append one action to the log (in the caller's transaction)."""
    if action not in ACTIONS:
        raise InvalidInput(f"label action {action!r} is not one of {', '.join(ACTIONS)}")
    event = LabelEvent(
        new_id("le"),
        now(),
        actor_id,
        actor[:64] if actor else actor,
        action,
        work_id,
        asset_id,
        result_asset_id,
        label,
        verdict,
        tier,
        detail[:4000] if detail else detail,
    )
    conn.execute(label_events.insert().values(**event.__dict__))
    return event


def list_events(
    conn: Connection,
    *,
    limit: int = 100,
    work_id: str | None = None,
    asset_id: str | None = None,
) -> list[LabelEvent]:
    """The newest `limit` actions, optionally for one work or asset, newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1-{MAX_LIMIT}, got {limit}")
    stmt = select(label_events).order_by(label_events.c.at.desc(), label_events.c.id).limit(limit)
    if work_id is not None:
        stmt = stmt.where(label_events.c.work_id == work_id)
    if asset_id is not None:
        stmt = stmt.where(label_events.c.asset_id == asset_id)
    return [_from_row(row) for row in conn.execute(stmt)]


def _from_row(row: Any) -> LabelEvent:
    m = row._mapping
    return LabelEvent(
        m["id"],
        as_utc(m["at"]),
        m["actor_id"],
        m["actor"],
        m["action"],
        m["work_id"],
        m["asset_id"],
        m["result_asset_id"],
        dict(m["label"]) if m["label"] is not None else None,
        m["verdict"],
        m["tier"],
        m["detail"],
    )
