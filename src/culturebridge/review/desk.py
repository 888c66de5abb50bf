"""The review desk in the database: queue, claims, human decisions, appeals.

An automated decision of pass or reject closes the item at once; review queues it for a
human. A reviewer claims the oldest queued item with a conditional UPDATE (and, on
PostgreSQL, `FOR UPDATE SKIP LOCKED`), backed by a unique (item, round) assignment, so
two reviewers never hold one item. A creator may appeal a decision once; the appeal is
queued again and can only be claimed by a reviewer other than the one who decided
(EU DSA Art. 20: appeals are not decided solely by the same person or automatically).
Every step is appended to the audit log (`review.audit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection, and_, exists, func, select

from culturebridge.accounts.users import User
from culturebridge.errors import (
    AppealNotAllowed,
    InvalidInput,
    PermissionDenied,
    ReviewItemMissing,
    ReviewItemTaken,
)
from culturebridge.ids import as_utc, new_id, now
from culturebridge.review._tables import (
    review_appeals,
    review_assignments,
    review_decisions,
    review_items,
)
from culturebridge.review.audit import append
from culturebridge.review.decision import Decision

ItemState = Literal["queued", "claimed", "decided", "appealed"]
HUMAN_DECISIONS = ("pass", "reject")
_CLAIM_TRIES = 20


@dataclass(frozen=True)
class StoredItem:
    """A review item as stored, with what the desk needs to show it."""

    id: str
    work_id: str
    ip: str | None
    policy: str
    policy_version: str
    automated_decision: str
    decision: str
    findings: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    fixes: list[str]
    texts: list[dict[str, Any]]
    state: ItemState
    round: int
    queued_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "id": self.id, "work_id": self.work_id, "ip": self.ip, "policy": self.policy,
            "policy_version": self.policy_version, "automated_decision": self.automated_decision,
            "decision": self.decision, "state": self.state, "round": self.round,
            "reasons": self.reasons, "fixes": self.fixes, "findings": self.findings,
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class HumanDecision:
    id: str
    item_id: str
    round: int
    reviewer_id: str | None
    decision: str
    clause: str | None
    note: str
    automated: bool
    created_at: datetime


@dataclass(frozen=True)
class Appeal:
    id: str
    item_id: str
    creator_id: str
    reason: str
    appealed_decision: str
    excluded_reviewer_id: str | None
    created_at: datetime


def _item(row: Any) -> StoredItem:
    m = row._mapping
    return StoredItem(
        id=m["id"], work_id=m["work_id"], ip=m["ip"], policy=m["policy"], policy_version=m["policy_version"],
        automated_decision=m["automated_decision"], decision=m["decision"], findings=list(m["findings"]),
        reasons=list(m["reasons"]), fixes=list(m["fixes"]), texts=list(m["texts"]),
        state=cast(ItemState, m["state"]), round=int(m["round"]),
        queued_at=as_utc(m["queued_at"]) if m["queued_at"] else None,
        created_at=as_utc(m["created_at"]), updated_at=as_utc(m["updated_at"]),
    )


def _require_reviewer(user: User) -> None:
    if user.role not in ("reviewer", "admin"):
        raise PermissionDenied(f"the review desk is for reviewers and admins; {user.username} is a {user.role}")


# --- recording automated decisions ----------------------------------------------------------


def record_review(conn: Connection, work_id: str, decision: Decision, texts: list[dict[str, Any]],
                  *, actor: User | None = None) -> StoredItem:
    """Store an automated decision as a new item: decided on pass/reject, queued on review."""
    stamp = now()
    item_id = new_id("rv")
    queued = decision.decision == "review"
    conn.execute(review_items.insert().values(
        id=item_id, work_id=work_id, ip=decision.ip or None, policy=decision.policy,
        policy_version=decision.policy_version, automated_decision=decision.decision,
        decision=decision.decision, findings=[f.to_dict() | {"lang": _lang_of(decision, i)} for i, f in enumerate(decision.findings)],
        reasons=[r.to_dict() for r in decision.reasons], fixes=list(decision.fixes), texts=texts,
        state="queued" if queued else "decided", round=0, queued_at=stamp if queued else None,
        created_at=stamp, updated_at=stamp,
    ))
    conn.execute(review_decisions.insert().values(
        id=new_id("rd"), item_id=item_id, round=0, reviewer_id=None, decision=decision.decision,
        clause=decision.reasons[0].clause if decision.reasons else None,
        note="; ".join(decision.fixes), automated=True, created_at=stamp,
    ))
    item = get_item(conn, item_id)
    append(conn, "automated-decision", item, actor=None, automated=True, decision=decision.decision,
           clause=decision.reasons[0].clause if decision.reasons else None,
           detail=f"submitted by {actor.username}" if actor else None)
    if queued:
        append(conn, "queued", item, actor=None, automated=True, detail="awaiting human review")
    return item


def _lang_of(decision: Decision, index: int) -> str:
    finding = decision.findings[index]
    return finding.extra.get("lang", "") if finding.extra else ""


def get_item(conn: Connection, item_id: str) -> StoredItem:
    """The item; ReviewItemMissing if there is none."""
    row = conn.execute(select(review_items).where(review_items.c.id == item_id)).first()
    if row is None:
        raise ReviewItemMissing(item_id)
    return _item(row)


def latest_item(conn: Connection, work_id: str) -> StoredItem | None:
    """The work's most recent review item, or None if it was never reviewed."""
    row = conn.execute(
        select(review_items).where(review_items.c.work_id == work_id)
        .order_by(review_items.c.created_at.desc(), review_items.c.id).limit(1)
    ).first()
    return _item(row) if row else None


def list_items(conn: Connection, *, states: tuple[str, ...] | None = None, limit: int = 200) -> list[StoredItem]:
    """Items oldest-queued first (states filter optional)."""
    stmt = select(review_items)
    if states:
        stmt = stmt.where(review_items.c.state.in_(states))
    stmt = stmt.order_by(review_items.c.queued_at, review_items.c.created_at, review_items.c.id)
    return [_item(r) for r in conn.execute(stmt.limit(max(1, min(limit, 10_000))))]


def queue_counts(conn: Connection) -> dict[str, int]:
    """How many items are in each state."""
    rows = conn.execute(select(review_items.c.state, func.count()).group_by(review_items.c.state))
    return {str(state): int(n) for state, n in rows}


# --- claims --------------------------------------------------------------------------------


def _excluded(reviewer_id: str) -> Any:
    """Items this reviewer may not take: they already decided it (an appeal needs another)."""
    return exists().where(
        and_(review_decisions.c.item_id == review_items.c.id, review_decisions.c.reviewer_id == reviewer_id)
    )


def claim_next(conn: Connection, reviewer: User, *, lock: bool = False) -> StoredItem | None:
    """Claim the oldest queued or appealed item this reviewer may take; None if there is none.

    `lock=True` (PostgreSQL) adds FOR UPDATE SKIP LOCKED; on SQLite the write transaction
    is already exclusive. Either way the UPDATE is conditional on the state we read.
    """
    _require_reviewer(reviewer)
    mine = held_by(conn, reviewer)
    if mine:
        return mine[0]  # finish what you hold before taking more
    skip: list[str] = []
    for _ in range(_CLAIM_TRIES):
        stmt = (
            select(review_items.c.id, review_items.c.state, review_items.c.round)
            .where(review_items.c.state.in_(("queued", "appealed")), ~_excluded(reviewer.id))
            .order_by(review_items.c.queued_at, review_items.c.id)
            .limit(1)
        )
        if skip:
            stmt = stmt.where(review_items.c.id.not_in(skip))
        if lock:
            stmt = stmt.with_for_update(skip_locked=True, of=review_items)
        row = conn.execute(stmt).first()
        if row is None:
            return None
        if _take(conn, reviewer, row.id, row.state, int(row.round)):
            return get_item(conn, row.id)
        skip.append(row.id)
    return None


def claim(conn: Connection, reviewer: User, item_id: str) -> StoredItem:
    """Claim one named item; Conflict if someone else holds it or it is not open."""
    _require_reviewer(reviewer)
    item = get_item(conn, item_id)
    if item.state == "claimed" and holder(conn, item) == reviewer.id:
        return item
    if item.state not in ("queued", "appealed"):
        raise ReviewItemTaken(item_id, f"it is {item.state}")
    if conn.execute(select(_excluded(reviewer.id)).where(review_items.c.id == item_id)).scalar():
        raise PermissionDenied(
            f"{reviewer.username} already decided item {item_id}; its appeal goes to another reviewer"
        )
    if not _take(conn, reviewer, item.id, item.state, item.round):
        raise ReviewItemTaken(item_id, "another reviewer claimed it first")
    return get_item(conn, item_id)


def _take(conn: Connection, reviewer: User, item_id: str, seen_state: str, seen_round: int) -> bool:
    stamp = now()
    taken = conn.execute(
        review_items.update()
        .where(review_items.c.id == item_id, review_items.c.state == seen_state, review_items.c.round == seen_round)
        .values(state="claimed", round=seen_round + 1, updated_at=stamp)
    ).rowcount
    if taken != 1:
        return False
    conn.execute(review_assignments.insert().values(
        id=new_id("ra"), item_id=item_id, round=seen_round + 1, claimed_by=reviewer.id, claimed_at=stamp,
    ))
    append(conn, "claimed", get_item(conn, item_id), actor=reviewer, automated=False,
           detail=f"round {seen_round + 1}" + (" (appeal)" if seen_state == "appealed" else ""))
    return True


def holder(conn: Connection, item: StoredItem) -> str | None:
    """The id of the reviewer holding the item in its current round, if it is claimed."""
    if item.state != "claimed":
        return None
    row = conn.execute(
        select(review_assignments.c.claimed_by)
        .where(review_assignments.c.item_id == item.id, review_assignments.c.round == item.round)
    ).first()
    return str(row.claimed_by) if row else None


def held_by(conn: Connection, reviewer: User) -> list[StoredItem]:
    """Items the reviewer holds now, oldest claim first."""
    rows = conn.execute(
        select(review_items)
        .join(review_assignments, and_(review_assignments.c.item_id == review_items.c.id,
                                       review_assignments.c.round == review_items.c.round))
        .where(review_items.c.state == "claimed", review_assignments.c.claimed_by == reviewer.id)
        .order_by(review_assignments.c.claimed_at)
    )
    return [_item(r) for r in rows]


def release(conn: Connection, reviewer: User, item_id: str) -> StoredItem:
    """Give a claimed item back to the queue (its round's claim is withdrawn)."""
    item = get_item(conn, item_id)
    if holder(conn, item) != reviewer.id:
        raise ReviewItemTaken(item_id, "you do not hold it")
    appealed = conn.execute(select(review_appeals.c.id).where(review_appeals.c.item_id == item_id)).first()
    conn.execute(review_assignments.delete().where(
        review_assignments.c.item_id == item_id, review_assignments.c.round == item.round))
    conn.execute(review_items.update().where(review_items.c.id == item_id).values(
        state="appealed" if appealed else "queued", round=item.round - 1, updated_at=now()))
    item = get_item(conn, item_id)
    append(conn, "released", item, actor=reviewer, automated=False)
    return item


# --- decisions and appeals -------------------------------------------------------------------


def decide_item(conn: Connection, reviewer: User, item_id: str, decision: str, clause: str | None,
                note: str, clauses: Mapping[str, Any]) -> StoredItem:
    """Record the holder's decision, tied to a policy clause when it is not a pass."""
    item = get_item(conn, item_id)
    if holder(conn, item) != reviewer.id:
        raise ReviewItemTaken(item_id, "claim it before deciding")
    if decision not in HUMAN_DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(HUMAN_DECISIONS)}, not {decision!r}")
    clause = (clause or "").strip() or None
    if decision == "reject" and clause is None:
        raise InvalidInput("a rejection must name the policy clause it applies", hint="pick a clause")
    if clause is not None and clause not in clauses:
        raise InvalidInput(f"clause {clause!r} is not in {item.policy}@{item.policy_version}",
                           hint=f"use one of {', '.join(clauses)}")
    if len(note) > 4000:
        raise InvalidInput("the note is longer than 4000 characters")
    stamp = now()
    conn.execute(review_decisions.insert().values(
        id=new_id("rd"), item_id=item_id, round=item.round, reviewer_id=reviewer.id, decision=decision,
        clause=clause, note=note.strip(), automated=False, created_at=stamp))
    conn.execute(review_assignments.update().where(
        review_assignments.c.item_id == item_id, review_assignments.c.round == item.round).values(finished_at=stamp))
    conn.execute(review_items.update().where(review_items.c.id == item_id, review_items.c.state == "claimed")
                 .values(state="decided", decision=decision, updated_at=stamp))
    item = get_item(conn, item_id)
    append(conn, "human-decision", item, actor=reviewer, automated=False, decision=decision, clause=clause,
           detail=note.strip()[:500] or None)
    return item


def appeal(conn: Connection, creator: User, item_id: str, reason: str) -> Appeal:
    """A creator appeals the decision on their work; it goes to a different reviewer."""
    from culturebridge.catalog import get_work


    item = get_item(conn, item_id)
    work = get_work(conn, item.work_id)
    if creator.id != work.owner_id:
        raise PermissionDenied(f"only the work's owner may appeal; {creator.username} is not")
    reason = reason.strip()
    if not 10 <= len(reason) <= 4000:
        raise InvalidInput("say why in 10 to 4000 characters", hint="quote what the review got wrong")
    if item.state != "decided":
        raise AppealNotAllowed(item_id, f"it is {item.state}, not decided")
    if item.decision == "pass":
        raise AppealNotAllowed(item_id, "it passed")
    if conn.execute(select(review_appeals.c.id).where(review_appeals.c.item_id == item_id)).first():
        raise AppealNotAllowed(item_id, "it was already appealed once")
    last = decisions_of(conn, item_id)[-1]
    stamp = now()
    appeal_id = new_id("ap")
    conn.execute(review_appeals.insert().values(
        id=appeal_id, item_id=item_id, creator_id=creator.id, reason=reason, appealed_decision=item.decision,
        excluded_reviewer_id=last.reviewer_id, created_at=stamp))
    conn.execute(review_items.update().where(review_items.c.id == item_id, review_items.c.state == "decided")
                 .values(state="appealed", queued_at=stamp, updated_at=stamp))
    append(conn, "appealed", get_item(conn, item_id), actor=creator, automated=False, decision=item.decision,
           detail=reason[:500])
    return appeal_of(conn, item_id) or Appeal(appeal_id, item_id, creator.id, reason, item.decision,
                                              last.reviewer_id, stamp)


def appeal_of(conn: Connection, item_id: str) -> Appeal | None:
    """The item's appeal, if any."""
    row = conn.execute(select(review_appeals).where(review_appeals.c.item_id == item_id)).first()
    if row is None:
        return None
    m = row._mapping
    return Appeal(m["id"], m["item_id"], m["creator_id"], m["reason"], m["appealed_decision"],
                  m["excluded_reviewer_id"], as_utc(m["created_at"]))


def decisions_of(conn: Connection, item_id: str) -> list[HumanDecision]:
    """Every decision on the item, automated first, in order."""
    rows = conn.execute(select(review_decisions).where(review_decisions.c.item_id == item_id)
                        .order_by(review_decisions.c.round, review_decisions.c.created_at))
    return [HumanDecision(r.id, r.item_id, int(r.round), r.reviewer_id, r.decision, r.clause, r.note,
                          bool(r.automated), as_utc(r.created_at)) for r in rows]


def human_labels(conn: Connection) -> list[tuple[str, str, str]]:
    """(item_id, reviewer_id, decision) of every human decision, for Cohen's kappa."""
    rows = conn.execute(select(review_decisions.c.item_id, review_decisions.c.reviewer_id, review_decisions.c.decision)
                        .where(review_decisions.c.automated.is_(False)).order_by(review_decisions.c.created_at))
    return [(r.item_id, str(r.reviewer_id), r.decision) for r in rows]
