from __future__ import annotations

from culturebridge.review import Evidence, Finding, decide, load_policy


def finding(check: str, severity: str, clause: str, fix: str | None = None) -> Finding:
    return Finding(check, "k", severity, Evidence("text", 0, 1, "x"), "because", clause=clause, fix=fix)  # type: ignore[arg-type]


def test_worst_finding_decides_and_reasons_cite_clauses() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    d = decide([finding("misplacement", "medium", "nrta-3"), finding("fidelity", "high", "nrta-1")], policy, item_id="i1")
    assert d.decision == "reject"
    assert d.automated is True
    assert d.policy_version == "2026.4"
    assert [r.clause for r in d.reasons] == ["nrta-1", "nrta-3"]
    assert d.reasons[0].clause_text.startswith("Seriously departs")
    assert d.to_dict()["decision"] == "reject"


def test_low_findings_pass_and_allowed_fixes_do_not_escalate() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    assert decide([finding("misplacement", "low", "nrta-3")], policy).decision == "pass"
    d = decide([finding("ai-label", "medium", "ai-label", fix="apply-ai-label")], policy)
    assert (d.decision, d.fixes) == ("pass", ("apply-ai-label",))


def test_a_fix_the_policy_does_not_allow_sends_to_review() -> None:
    from dataclasses import replace

    policy = replace(load_policy("cn-nrta-ai-alteration"), auto_fixes=frozenset())
    d = decide([finding("ai-label", "medium", "ai-label", fix="apply-ai-label")], policy)
    assert (d.decision, d.fixes) == ("review", ())


def test_no_findings_is_pass() -> None:
    assert decide([], load_policy("generic-safety")).decision == "pass"
