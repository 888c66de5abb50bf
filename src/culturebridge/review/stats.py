"""Figures for the review desk: queue sizes, decisions, appeals, reviewer agreement."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, select

from culturebridge.errors import InvalidInput
from culturebridge.review._tables import review_appeals, review_decisions, review_items
from culturebridge.review.desk import human_labels, queue_counts
from culturebridge.review.kappa import kappa_of_reviews


def agreement(conn: Connection) -> tuple[float | None, int]:
    """Cohen's kappa between the first two human reviewers of each double-reviewed item, and the item count."""
    first_two: dict[str, list[tuple[str, str, str]]] = {}
    for item_id, reviewer, label in human_labels(conn):
        rows = first_two.setdefault(item_id, [])
        if len(rows) < 2 and all(r[1] != reviewer for r in rows):
            rows.append((item_id, reviewer, label))
    # Kappa pairs labels by position: the first reviewer of each item against the second.
    paired = [(item, f"r{i}", label) for rows in first_two.values() if len(rows) == 2
              for i, (item, _, label) in enumerate(rows)]
    try:
        kappa, n = kappa_of_reviews(paired)
    except InvalidInput:
        return None, 0
    return kappa, n


def desk_stats(conn: Connection) -> dict[str, Any]:
    """Plain figures for the stats page, CLI and API."""
    automated = Counter(str(d) for (d,) in conn.execute(select(review_items.c.automated_decision)))
    human = Counter(
        str(d) for (d,) in conn.execute(select(review_decisions.c.decision).where(review_decisions.c.automated.is_(False)))
    )
    appeals = list(conn.execute(
        select(review_appeals.c.appealed_decision, review_items.c.decision, review_items.c.state)
        .join(review_items, review_items.c.id == review_appeals.c.item_id)
    ))
    decided = [a for a in appeals if a.state == "decided"]
    kappa, pairs = agreement(conn)
    return {
        "items": sum(automated.values()),
        "states": queue_counts(conn),
        "automated_decisions": dict(automated),
        "human_decisions": dict(human),
        "appeals": len(appeals),
        "appeals_decided": len(decided),
        "appeals_overturned": sum(1 for a in decided if a.decision != a.appealed_decision),
        "double_reviewed": pairs,
        "kappa": None if kappa is None else round(kappa, 4),
    }
