"""Copies found between works: conflicts, and the matched work's rights holder's decision.

The monitor records a conflict for every match with ANOTHER work's asset. A match with a
work in the asset's declared lineage is recorded as already licensed only when both works
have the same owner; a derivation declared across owners licenses nothing by itself (else a
copy could be laundered by naming its source): the conflict opens with a note saying so. The
rights holder of the matched work (its owner) or an admin decides the open ones: licensed
(accepting the derivation), infringing or a false match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, or_, select

from culturebridge.accounts import User
from culturebridge.catalog import get_work, work_ids_owned_by
from culturebridge.errors import ConflictNotFound, InvalidInput, PermissionDenied
from culturebridge.fingerprint._tables import fingerprint_conflicts, fingerprints
from culturebridge.ids import as_utc, new_id, now
from culturebridge.jobs import set_status
from culturebridge.storage import upsert

if TYPE_CHECKING:
    from culturebridge.catalog import Asset
    from culturebridge.fingerprint.matcher import Match

STATES = ("open", "licensed", "infringing", "false-match")
DECISIONS = ("licensed", "infringing", "false-match")
LINEAGE = "lineage"  # decided_by of conflicts settled by a declared derivation


@dataclass(frozen=True)
class ConflictRecord:
    """An asset found to copy another work's asset, and the rights holder's decision."""

    id: str
    asset_id: str
    work_id: str
    matched_asset_id: str
    matched_work_id: str
    kind: str
    score: float
    span: dict[str, Any] | None
    state: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    note: str | None = None
    evidence: dict[str, Any] | None = None  # why it matched: method, inliers, region, mirrored ...

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamps ISO 8601)."""
        return {
            "id": self.id,
            "asset_id": self.asset_id,
            "work_id": self.work_id,
            "matched_asset_id": self.matched_asset_id,
            "matched_work_id": self.matched_work_id,
            "kind": self.kind,
            "score": self.score,
            "span": self.span,
            "state": self.state,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "created_at": self.created_at.isoformat(),
            "note": self.note,
            "evidence": self.evidence,
        }


def _span(m: Match) -> dict[str, Any] | None:
    if m.span is None:
        return None
    s = m.span
    return {
        "query_start": s.query_start,
        "query_end": s.query_end,
        "reference_start": s.reference_start,
        "reference_end": s.reference_end,
        "unit": s.unit,
    }


def _evidence(m: Match) -> dict[str, Any] | None:
    return m.evidence.to_dict() if m.evidence is not None else None


def record_conflict(conn: Connection, asset: Asset, m: Match, *, licensed: bool, note: str | None = None) -> None:
    """Store a match as a conflict: `licensed` (settled by lineage) or open, with an optional note.

    One statement keyed by the unique (asset_id, matched_asset_id) pair — INSERT ... ON
    CONFLICT DO UPDATE — so a job run twice at once (its worker stalled past the lease and
    another claimed it) records the pair once; a pair seen again (re-fingerprinted) gets its
    evidence refreshed and keeps its decision.
    """
    refreshed = {"score": m.score, "span": _span(m), "kind": m.kind, "evidence": _evidence(m)}
    values = {
        "id": new_id("fpc"),
        "asset_id": asset.id,
        "work_id": asset.work_id,
        "matched_asset_id": m.asset_id,
        "matched_work_id": m.work_id,
        **refreshed,
        "state": "licensed" if licensed else "open",
        "decided_by": LINEAGE if licensed else None,
        "decided_at": now() if licensed else None,
        "created_at": now(),
        "note": note,
    }
    conn.execute(upsert(conn, fingerprint_conflicts, values, ["asset_id", "matched_asset_id"], refreshed))


def _work_state(conn: Connection, work_id: str) -> str:
    rows = conn.execute(select(fingerprints.c.status).where(fingerprints.c.work_id == work_id))
    return "failed" if any(r.status == "failed" for r in rows) else "done"


def _summary(conn: Connection, work_id: str) -> str:
    counts: dict[str, int] = dict(
        conn.execute(
            select(fingerprints.c.status, func.count())
            .where(fingerprints.c.work_id == work_id)
            .group_by(fingerprints.c.status)
        ).all()
    )
    text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    open_count = conn.execute(
        select(func.count())
        .select_from(fingerprint_conflicts)
        .where(
            fingerprint_conflicts.c.state == "open",
            or_(fingerprint_conflicts.c.work_id == work_id, fingerprint_conflicts.c.matched_work_id == work_id),
        )
    ).scalar_one()
    return text + (f"; {open_count} open conflict(s)" if open_count else "")


def refresh_work_status(conn: Connection, work_id: str) -> None:
    """Show the work's fingerprint state and open conflicts on its pipeline line."""
    set_status(conn, work_id, "fingerprint", _work_state(conn, work_id), _summary(conn, work_id))


def _conflict(row: Any) -> ConflictRecord:
    return ConflictRecord(
        row.id,
        row.asset_id,
        row.work_id,
        row.matched_asset_id,
        row.matched_work_id,
        row.kind,
        float(row.score),
        dict(row.span) if row.span else None,
        row.state,
        row.decided_by,
        as_utc(row.decided_at) if row.decided_at else None,
        as_utc(row.created_at),
        row.note,
        dict(row.evidence) if row.evidence else None,
    )


def list_conflicts(
    conn: Connection,
    *,
    viewer: User | None = None,
    work_id: str | None = None,
    state: str | None = None,
    limit: int = 500,
) -> list[ConflictRecord]:
    """Conflicts, newest first; a creator sees those touching works they own, admins and reviewers all."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATES)}")
    query = select(fingerprint_conflicts).order_by(fingerprint_conflicts.c.created_at.desc()).limit(limit)
    if state is not None:
        query = query.where(fingerprint_conflicts.c.state == state)
    if work_id is not None:
        query = query.where(
            or_(fingerprint_conflicts.c.work_id == work_id, fingerprint_conflicts.c.matched_work_id == work_id)
        )
    if viewer is not None and viewer.role not in ("admin", "reviewer"):
        owned = work_ids_owned_by(viewer.id)
        query = query.where(
            or_(fingerprint_conflicts.c.matched_work_id.in_(owned), fingerprint_conflicts.c.work_id.in_(owned))
        )
    return [_conflict(r) for r in conn.execute(query)]


def can_decide(user: User, conflict: ConflictRecord, matched_owner_id: str) -> bool:
    """The matched work's rights holder (its owner) or an admin decides a conflict."""
    return user.role == "admin" or user.id == matched_owner_id


def decide_conflict(conn: Connection, actor: User, conflict_id: str, state: str) -> ConflictRecord:
    """Mark a conflict licensed, infringing or a false match (the matched work's owner or an admin)."""
    if state not in DECISIONS:
        raise InvalidInput(f"decision {state!r} is not one of {', '.join(DECISIONS)}")
    row = conn.execute(select(fingerprint_conflicts).where(fingerprint_conflicts.c.id == conflict_id)).first()
    if row is None:
        raise ConflictNotFound(conflict_id)
    record = _conflict(row)
    matched = get_work(conn, record.matched_work_id)
    if not can_decide(actor, record, matched.owner_id):
        if actor.role == "creator" and actor.id != get_work(conn, record.work_id).owner_id:
            raise ConflictNotFound(conflict_id)  # do not confirm others' conflicts exist
        raise PermissionDenied(
            f"only the rights holder of work {matched.id} or an admin decides conflict {conflict_id}"
        )
    conn.execute(
        fingerprint_conflicts.update()
        .where(fingerprint_conflicts.c.id == conflict_id)
        .values(state=state, decided_by=actor.id, decided_at=now())
    )
    refresh_work_status(conn, record.work_id)
    new = conn.execute(select(fingerprint_conflicts).where(fingerprint_conflicts.c.id == conflict_id)).one()
    return _conflict(new)


