"""The decision on an item: pass, review or reject, with reasons tied to policy clauses.

Qwen3Guard's Safe / Controversial / Unsafe maps to pass / review / reject (the Qwen3Guard model card's three safety tiers).
Every decision records the policy version and that it was automated (EU DSA Art. 17), and
lists the fixes the policy allows to be applied automatically instead of escalating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from culturebridge.review.findings import DOUBT, Finding, severity_rank
from culturebridge.review.policy import Policy

Outcome = Literal["pass", "review", "reject"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "review", "reject")


@dataclass(frozen=True)
class Reason:
    clause: str
    clause_text: str
    check: str
    outcome: Outcome
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {"clause": self.clause, "clause_text": self.clause_text, "check": self.check,
                "outcome": self.outcome, "explanation": self.explanation}


@dataclass(frozen=True)
class Decision:
    item_id: str
    ip: str
    decision: Outcome
    findings: tuple[Finding, ...]
    reasons: tuple[Reason, ...]
    fixes: tuple[str, ...]
    policy: str
    policy_version: str
    automated: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output and the decision log."""
        return {
            "item_id": self.item_id,
            "ip": self.ip,
            "decision": self.decision,
            "automated": self.automated,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "reasons": [r.to_dict() for r in self.reasons],
            "fixes": list(self.fixes),
            "findings": [f.to_dict() for f in self.findings],
        }


def outcome_of(finding: Finding, policy: Policy) -> Outcome:
    """What one finding alone would decide under the policy (before automatic fixes)."""
    rule = policy.rule(finding.check)
    if rule is None:  # findings from outside the policy's checks (an LLM judge) use defaults
        review_at, reject_at = 1, 2
    else:
        review_at, reject_at = severity_rank(rule.review_at), severity_rank(rule.reject_at)
    rank = severity_rank(finding.severity)
    return "reject" if rank >= reject_at else "review" if rank >= review_at else "pass"


def _doubt_of(finding: Finding, doubts: dict[str, list[Finding]], policy: Policy) -> Finding | None:
    """The first doubt that covers a finding: one about the same text (`extra["lang"]` tells a
    work's synopses apart; '' for a single item) by a check the policy runs after the finding's."""
    if finding.evidence.field != "text":
        return None
    order = [r.check.name for r in policy.rules]
    for doubt in doubts.get(finding.extra.get("lang", ""), []):
        if doubt.check in order and finding.check in order[:order.index(doubt.check)]:
            return doubt
    return None


def decide(findings: Sequence[Finding], policy: Policy, *, item_id: str = "", ip: str = "") -> Decision:
    """Combine clause-tagged findings into a decision under the policy.

    A doubt finding (`findings.DOUBT`) sends the rejects of the checks before it to the desk
    when they rest on the text it read: a reject on a title, a key frame or another language's
    synopsis, or from a judge outside the policy's checks, stands.
    """
    worst = 0
    reasons: list[Reason] = []
    fixes: list[str] = []
    doubts: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == DOUBT:
            doubts.setdefault(f.extra.get("lang", ""), []).append(f)
    for f in findings:
        outcome = outcome_of(f, policy)
        if outcome == "pass":
            continue
        explanation = f.explanation
        doubt = _doubt_of(f, doubts, policy) if outcome == "reject" and doubts else None
        if doubt is not None:
            outcome, explanation = "review", f"{explanation}; to the desk, not rejected: {doubt.explanation}"
        if f.fix and f.fix in policy.auto_fixes:
            if f.fix not in fixes:
                fixes.append(f.fix)
            continue
        worst = max(worst, OUTCOMES.index(outcome))
        clause = policy.clauses.get(f.clause, {})
        reasons.append(Reason(f.clause, clause.get("en") or clause.get("zh", ""), f.check, outcome, explanation))
    reasons.sort(key=lambda r: -OUTCOMES.index(r.outcome))
    return Decision(
        item_id=item_id,
        ip=ip,
        decision=OUTCOMES[worst],
        findings=tuple(findings),
        reasons=tuple(reasons),
        fixes=tuple(fixes),
        policy=policy.name,
        policy_version=policy.version,
    )
