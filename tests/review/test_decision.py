from __future__ import annotations

from dataclasses import replace

from culturebridge.review import Evidence, Finding, decide, load_policy
from culturebridge.review.findings import DOUBT


def finding(check: str, severity: str, clause: str, fix: str | None = None, kind: str = "k",
            field: str = "text") -> Finding:
    evidence = Evidence(field, 0, 1, "x", frame_time_s=1.0 if field == "frame" else None)  # type: ignore[arg-type]
    return Finding(check, kind, severity, evidence, "because", clause=clause, fix=fix)  # type: ignore[arg-type]


def test_worst_finding_decides_and_reasons_cite_clauses() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    d = decide([finding("misplacement", "medium", "nrta-3"), finding("fidelity", "high", "nrta-1")], policy, item_id="i1")
    assert d.decision == "reject"
    assert d.automated is True
    assert d.policy_version == policy.version
    assert [r.clause for r in d.reasons] == ["nrta-1", "nrta-3"]
    assert d.reasons[0].clause_text.startswith("Seriously departs")
    assert d.to_dict()["decision"] == "reject"


def test_low_findings_pass_and_allowed_fixes_do_not_escalate() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    assert decide([finding("misplacement", "low", "nrta-3")], policy).decision == "pass"
    d = decide([finding("ai-label", "medium", "ai-label", fix="apply-ai-label")], policy)
    assert (d.decision, d.fixes) == ("pass", ("apply-ai-label",))


def test_a_fix_the_policy_does_not_allow_sends_to_review() -> None:
    policy = replace(load_policy("cn-nrta-ai-alteration"), auto_fixes=frozenset())
    d = decide([finding("ai-label", "medium", "ai-label", fix="apply-ai-label")], policy)
    assert (d.decision, d.fixes) == ("review", ())


def test_no_findings_is_pass() -> None:
    assert decide([], load_policy("generic-safety")).decision == "pass"


def test_a_doubt_sends_earlier_text_rejects_to_the_desk_and_says_why() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    doubt = finding("learned", "low", "nrta-1", kind=DOUBT)
    d = decide([finding("fidelity", "high", "nrta-1"), finding("misplacement", "medium", "nrta-3"), doubt], policy)
    assert d.decision == "review"
    assert [(r.clause, r.outcome) for r in d.reasons] == [("nrta-1", "review"), ("nrta-3", "review")]
    assert d.reasons[0].explanation == "because; to the desk, not rejected: because"
    assert decide([finding("fidelity", "high", "nrta-1")], policy).decision == "reject"


def test_a_doubt_leaves_frame_rejects_judges_and_later_checks_alone() -> None:
    policy = load_policy("cn-nrta-ai-alteration")
    doubt = finding("learned", "low", "nrta-1", kind=DOUBT)
    assert decide([finding("safety", "high", "nrta-2", field="frame"), doubt], policy).decision == "reject"
    assert decide([finding("llm-judge", "high", "nrta-1"), doubt], policy).decision == "reject"
    assert decide([finding("ai-label", "high", "ai-label"), doubt], policy).decision == "reject"
    # A doubt from a check outside the policy doubts nothing.
    assert decide([finding("fidelity", "high", "nrta-1"), finding("other", "low", "", kind=DOUBT)],
                  policy).decision == "reject"


def test_a_doubt_covers_only_the_text_it_read() -> None:
    # A work is reviewed per language and decided once: the signal's doubt about the zh synopsis
    # says nothing about the en one, nor about a title it did not read.
    policy = load_policy("cn-nrta-ai-alteration")

    def tagged(f: Finding, lang: str) -> Finding:
        return replace(f, extra={"lang": lang})

    zh_doubt = tagged(finding("learned", "low", "nrta-1", kind=DOUBT), "zh")
    zh_reject, en_reject = (tagged(finding("fidelity", "high", "nrta-1"), lang) for lang in ("zh", "en"))
    assert decide([zh_reject, zh_doubt], policy).decision == "review"
    d = decide([zh_reject, zh_doubt, en_reject], policy)
    assert d.decision == "reject" and [r.outcome for r in d.reasons] == ["reject", "review"]
    title = finding("fidelity", "high", "nrta-1", field="title")
    assert decide([title, finding("learned", "low", "nrta-1", kind=DOUBT)], policy).decision == "reject"


def test_each_doubt_covers_the_checks_before_it() -> None:
    # The learned signal's doubt covers the rules before it; the stance check's, after it,
    # covers the learned signal's own reject too. A reject is sent to the desk once.
    policy = load_policy("cn-nrta-ai-alteration")
    learned_reject = finding("learned", "high", "nrta-1")
    learned_doubt = finding("learned", "low", "nrta-1", kind=DOUBT)
    stance_doubt = replace(finding("stance", "low", "nrta-1", kind=DOUBT), explanation="it says so")
    assert decide([learned_reject, learned_doubt], policy).decision == "reject"
    d = decide([finding("fidelity", "high", "nrta-1"), learned_reject, learned_doubt, stance_doubt], policy)
    assert d.decision == "review"
    assert [r.explanation for r in d.reasons] == ["because; to the desk, not rejected: because",
                                                  "because; to the desk, not rejected: it says so"]
