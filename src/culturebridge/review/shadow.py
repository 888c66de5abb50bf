"""Shadow mode: run a candidate policy version over past items and report what would change.

From ROOST Coop's shadow-run of rule changes (ROOST Coop's review-tool documentation): nothing is acted on; the
report lists every item whose decision would move, and the transition counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from culturebridge.review.decision import Outcome
from culturebridge.review.findings import ReviewItem
from culturebridge.review.reviewer import Reviewer


@dataclass(frozen=True)
class PastItem:
    """An item as reviewed before, with the decision it got and under which policy."""

    item: ReviewItem
    decision: Outcome
    policy_version: str = ""


@dataclass(frozen=True)
class Change:
    item_id: str
    before: Outcome
    after: Outcome
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ShadowReport:
    policy: str
    candidate_version: str
    total: int
    changes: tuple[Change, ...]
    transitions: dict[str, int]

    @property
    def changed(self) -> int:
        """How many items would get another decision."""
        return len(self.changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "policy": self.policy,
            "candidate_version": self.candidate_version,
            "total": self.total,
            "changed": self.changed,
            "transitions": dict(self.transitions),
            "changes": [
                {"item_id": c.item_id, "before": c.before, "after": c.after, "reasons": list(c.reasons)}
                for c in self.changes
            ],
        }


def shadow_run(candidate: Reviewer, past: Sequence[PastItem]) -> ShadowReport:
    """Decide every past item under the candidate reviewer's policy; report the differences."""
    changes: list[Change] = []
    transitions: Counter[str] = Counter()
    for i, entry in enumerate(past):
        after = candidate.review(entry.item)
        transitions[f"{entry.decision}->{after.decision}"] += 1
        if after.decision != entry.decision:
            changes.append(
                Change(entry.item.item_id or str(i), entry.decision, after.decision,
                       tuple(f"{r.clause}: {r.explanation}" for r in after.reasons))
            )
    return ShadowReport(candidate.policy.name, candidate.policy.version, len(past), tuple(changes), dict(transitions))
