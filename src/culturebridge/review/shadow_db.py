"""Shadow mode over the database: replay stored review items under a candidate policy.

Each stored item kept the texts it reviewed, so the candidate sees exactly the same input;
the decision compared against is the one in force (a human's, if one decided). Nothing is
written: this only reports what would change (ROOST Coop shadow runs).
Key frames are not stored with items, so frame checks are not replayed.
"""

from __future__ import annotations

from collections import Counter
from typing import cast

from sqlalchemy import Connection, select

from culturebridge.catalog import get_work
from culturebridge.errors import PolicyInvalid
from culturebridge.review._tables import review_items
from culturebridge.review.decision import Outcome
from culturebridge.review.desk import StoredItem, get_item
from culturebridge.review.models import Models
from culturebridge.review.policy import Policy, load_policy
from culturebridge.review.reviewer import Reviewer
from culturebridge.review.shadow import Change, ShadowReport
from culturebridge.review.work_review import cards_from_db, labelled, review_texts


def candidate_policy(name: str, version: str | None) -> Policy:
    """The policy pack by name or path; PolicyInvalid if it is not at the version asked for."""
    pack = load_policy(name)
    if version is not None and pack.version != version:
        raise PolicyInvalid(
            f"policy {pack.name} here is version {pack.version}, not {version}",
            hint="pass the candidate's YAML file with --policy PATH",
        )
    return pack


def latest_items(conn: Connection, policy: str, limit: int = 10_000) -> list[StoredItem]:
    """The latest item of each work reviewed under the policy (any version), oldest first."""
    rows = conn.execute(
        select(review_items.c.id, review_items.c.work_id)
        .where(review_items.c.policy == policy)
        .order_by(review_items.c.created_at.desc(), review_items.c.id)
    )
    latest: dict[str, str] = {}
    for row in rows:
        latest.setdefault(row.work_id, row.id)
    items = [get_item(conn, item_id) for item_id in list(latest.values())[:limit]]
    return sorted(items, key=lambda i: i.created_at)


def shadow_from_db(conn: Connection, candidate: Policy, models: Models) -> ShadowReport:
    """Decide each work's latest stored item again under `candidate`; report what would move."""
    reviewer = Reviewer(candidate, cards_from_db(conn), models=models)
    changes: list[Change] = []
    transitions: Counter[str] = Counter()
    items = latest_items(conn, candidate.name)
    for item in items:
        work = get_work(conn, item.work_id)
        after = review_texts(reviewer, work, item.ip or "", item.texts, is_labelled=labelled(conn, work))
        before = item.decision
        transitions[f"{before}->{after.decision}"] += 1
        if after.decision != before:
            changes.append(Change(item.id, cast(Outcome, before), after.decision,
                                  tuple(f"{r.clause}: {r.explanation}" for r in after.reasons)))
    return ShadowReport(candidate.name, candidate.version, len(items), tuple(changes), dict(transitions))
