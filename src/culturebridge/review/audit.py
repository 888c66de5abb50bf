"""The review audit log: who did what to which item, when, under which policy version.

Append-only (EU DSA Art. 17 statements of reasons and Art. 20 appeals must be traceable):
this module only inserts and reads; the 0005 migration's triggers make the database
refuse UPDATE and DELETE on the table. Exports are CSV and JSON of the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, select

from culturebridge.accounts.users import User
from culturebridge.ids import as_utc, new_id, now
from culturebridge.review._tables import review_audit


class AuditedItem(Protocol):
    """What an audit entry records of a desk item (the desk's `StoredItem` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def work_id(self) -> str: ...

    @property
    def policy(self) -> str: ...

    @property
    def policy_version(self) -> str: ...

FIELDS = ("at", "actor", "automated", "action", "work_id", "item_id", "policy", "policy_version",
          "decision", "clause", "detail")


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: datetime
    actor_id: str | None
    actor: str | None
    automated: bool
    action: str
    work_id: str | None
    item_id: str | None
    policy: str | None
    policy_version: str | None
    decision: str | None
    clause: str | None
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def append(conn: Connection, action: str, item: AuditedItem | None, *, actor: User | None, automated: bool,
           decision: str | None = None, clause: str | None = None, detail: str | None = None,
           work_id: str | None = None) -> None:
    """Add one entry to the audit log (in the caller's transaction)."""
    conn.execute(review_audit.insert().values(
        id=new_id("ra"), at=now(), actor_id=actor.id if actor else None, actor=actor.username if actor else None,
        automated=automated, action=action, work_id=item.work_id if item else work_id,
        item_id=item.id if item else None, policy=item.policy if item else None,
        policy_version=item.policy_version if item else None, decision=decision, clause=clause,
        detail=detail[:2000] if detail else None,
    ))


def list_audit(conn: Connection, *, item_id: str | None = None, work_id: str | None = None,
               limit: int = 500) -> list[AuditEntry]:
    """Entries newest first, optionally of one item or work."""
    stmt = select(review_audit)
    if item_id is not None:
        stmt = stmt.where(review_audit.c.item_id == item_id)
    if work_id is not None:
        stmt = stmt.where(review_audit.c.work_id == work_id)
    stmt = stmt.order_by(review_audit.c.at.desc(), review_audit.c.id).limit(max(1, min(limit, 100_000)))
    return [
        AuditEntry(r.id, as_utc(r.at), r.actor_id, r.actor, bool(r.automated), r.action, r.work_id, r.item_id,
                   r.policy, r.policy_version, r.decision, r.clause, r.detail)
        for r in conn.execute(stmt)
    ]


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    """CSV text with a header row; cells that a spreadsheet would run as formulas are quoted off."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fields})
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # CSV injection (OWASP): a leading = + - @ would be evaluated by spreadsheet programs.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
