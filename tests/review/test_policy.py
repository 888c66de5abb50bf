from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from culturebridge.errors import PolicyInvalid, PolicyNotFound
from culturebridge.review import bundled_policies, load_policy, load_policy_file, policy_from_dict


def minimal() -> dict[str, Any]:
    return {
        "name": "p",
        "version": "1.0",
        "title": {"en": "test"},
        "requires_canon": True,
        "clauses": {"c1": {"en": "one"}},
        "checks": [{"check": "fidelity", "clause": "c1", "review_at": "medium", "reject_at": "high"}],
    }


def test_bundled_packs_load_with_versions_and_nrta_clauses() -> None:
    assert {"cn-nrta-ai-alteration", "generic-safety"} <= set(bundled_policies())
    nrta = load_policy("cn-nrta-ai-alteration")
    assert nrta.ref == "cn-nrta-ai-alteration@2026.11"
    assert {"nrta-1", "nrta-2", "nrta-3", "nrta-children", "ai-label"} <= set(nrta.clauses)
    assert [r.check.name for r in nrta.rules] == ["fidelity", "safety", "misplacement", "learned", "stance", "ai-label"]
    assert "apply-ai-label" in nrta.auto_fixes
    assert load_policy("generic-safety").requires_canon is False


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(extra=1), "unknown key"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["checks"][0].update(check="nope"), "is not one of"),
        (lambda d: d["checks"][0].update(clause="c9"), "not declared"),
        (lambda d: d["checks"][0].update(reject_at="low"), "below review_at"),
        (lambda d: d["checks"][0].update(review_at="severe"), "must be one of"),
        (lambda d: d["checks"][0].update(params={"embedding_threshold": 7}), "embedding_threshold"),
        (lambda d: d["checks"][0].update(params={"typo": 1}), "unknown parameter"),
        (lambda d: d.update(auto_fixes=["delete-everything"]), "auto_fixes"),
        (lambda d: d.update(checks=[]), "non-empty"),
        (lambda d: d["checks"].append(dict(d["checks"][0])), "twice"),
    ],
)
def test_malformed_policies_are_rejected_whole(change: Any, message: str) -> None:
    data = minimal()
    policy_from_dict(data)  # the base is valid
    change(data)
    with pytest.raises(PolicyInvalid, match=message):
        policy_from_dict(data)


def test_malformed_policy_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyInvalid, match="not valid YAML"):
        load_policy_file(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(PolicyInvalid, match="mapping"):
        load_policy(str(listy))
    with pytest.raises(PolicyNotFound) as excinfo:
        load_policy("no-such-policy")
    assert "cn-nrta-ai-alteration" in excinfo.value.diagnostic()
