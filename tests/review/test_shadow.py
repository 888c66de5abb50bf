from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from culturebridge.review import PastItem, Reviewer, ReviewItem, policy_from_dict, shadow_run


def _rules_only(nrta: Reviewer) -> Reviewer:
    """The bundled pack without the learned signal: decisions that do not move with a refit."""
    path = resources.files("culturebridge.review") / "policies" / "cn-nrta-ai-alteration.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["checks"] = [c for c in raw["checks"] if c["check"] != "learned"]
    return nrta.with_policy(policy_from_dict(raw))


def test_shadow_run_reports_what_a_stricter_version_would_change(nrta: Reviewer) -> None:
    nrta = _rules_only(nrta)
    past = [
        PastItem(ReviewItem(ip="river-oath", text="赵明在教堂婚礼上宣誓。", item_id="a"), "review", "2026.1"),
        PastItem(ReviewItem(ip="river-oath", text="赵明守城三日。", item_id="b"), "pass", "2026.1"),
        PastItem(ReviewItem(ip="river-oath", text="General Zhao betrayed his sworn brother.", item_id="c"), "reject"),
    ]
    same = shadow_run(nrta, past)
    assert same.changed == 0 and same.transitions == {"review->review": 1, "pass->pass": 1, "reject->reject": 1}

    raw: dict[str, Any] = {
        "name": "cn-nrta-ai-alteration", "version": "2026.5", "title": {"en": "candidate"},
        "clauses": dict(nrta.policy.clauses),
        "checks": [
            {"check": "fidelity", "clause": "nrta-1", "params": {"use_embeddings": False}},
            {"check": "misplacement", "clause": "nrta-3", "review_at": "medium", "reject_at": "medium"},
        ],
    }
    report = shadow_run(nrta.with_policy(policy_from_dict(raw)), past)
    assert report.candidate_version == "2026.5"
    assert [(c.item_id, c.before, c.after) for c in report.changes] == [("a", "review", "reject")]
    assert report.to_dict()["changed"] == 1
