from __future__ import annotations

import pytest

from culturebridge.review import Reviewer, ReviewItem


def kinds(reviewer: Reviewer, text: str, ip: str = "river-oath") -> list[str]:
    return [f.kind for f in reviewer.review(ReviewItem(ip=ip, text=text)).findings if f.check == "fidelity"]


@pytest.mark.parametrize(
    "text",
    [
        "赵明在决战前夜背叛了兄长，打开城门。",
        "General Zhao betrayed his sworn brother for a bag of gold.",
        "趙明背叛兄長，投奔曹營。",  # traditional characters fold to simplified
        "The old monk kills the innocent travellers who knock at his gate.",
    ],
)
def test_card_opposites_are_trait_inversions(nrta: Reviewer, text: str) -> None:
    assert "trait-inversion" in kinds(nrta, text)


def test_generic_archetype_catches_a_paraphrase_the_card_does_not_list(nrta: Reviewer) -> None:
    # No opposite on the card says "massacre": the compassionate-monk archetype does.
    assert "trait-inversion" in kinds(nrta, "Master Huiming orders a massacre of the refugees.")
    assert "trait-inversion" in kinds(nrta, "慧明法师下令血洗村庄。")


def test_passive_negated_and_alleged_uses_are_not_inversions(nrta: Reviewer) -> None:
    assert kinds(nrta, "Master Huiming is slaughtered by bandits, and Zhao Ming avenges him.") == []
    assert kinds(nrta, "Zhao Ming never betrays his sworn brother, even under torture.") == []
    assert kinds(nrta, "敌军诬陷赵明背叛兄长，他以死明志。") == []


def test_new_plot_alone_is_not_flagged(nrta: Reviewer) -> None:
    text = (
        "In a new side story, Zhao Ming teaches the town's children to swim, and Wei Lan designs "
        "a waterwheel for the mill. 赵明与魏澜在江边救起一位落水的渔夫，并帮他修好渔船。"
    )
    assert kinds(nrta, text) == []


def test_fact_contradictions_match_through_aliases(nrta: Reviewer) -> None:
    decision = nrta.review(ReviewItem(ip="river-oath", text="In this version the town surrenders without a fight."))
    assert [f.kind for f in decision.findings] == ["fact-contradiction"]
    assert decision.decision == "reject"
    assert decision.findings[0].clause == "nrta-1"


def test_evidence_points_at_the_sentence(nrta: Reviewer) -> None:
    text = "Prologue. General Zhao betrayed his sworn brother. Epilogue."
    finding = nrta.review(ReviewItem(ip="river-oath", text=text)).findings[0]
    assert text[finding.evidence.start : finding.evidence.end] == finding.evidence.quote
    assert "betrayed" in finding.evidence.quote


def test_review_many_matches_one_by_one(nrta_rules: Reviewer) -> None:
    nrta = nrta_rules  # the rule checks' decisions (the learned signal may refer item 2)
    items = [
        ReviewItem(ip="river-oath", text="General Zhao betrayed his sworn brother.", item_id="1"),
        ReviewItem(ip="river-oath", text="Zhao Ming and Wei Lan repair the old bridge together.", item_id="2"),
        ReviewItem(ip="river-oath", text="Wei Lan, what a fucking mess, says Zhao Ming.", item_id="3"),
    ]
    batch = nrta.review_many(items)
    assert [d.item_id for d in batch] == ["1", "2", "3"]
    assert [d.decision for d in batch] == [nrta.review(i).decision for i in items]
    assert [d.decision for d in batch] == ["reject", "pass", "reject"]


def test_embeddings_flag_a_paraphrase_for_review(nrta: Reviewer) -> None:
    from culturebridge.review import policy_from_dict

    raw = {
        "name": "loose", "version": "1", "title": {"en": "t"}, "clauses": {"c": {"en": "c"}},
        "checks": [{"check": "fidelity", "clause": "c",
                    "params": {"embedding_threshold": 0.3, "embedding_margin": 0.0}}],
    }
    loose = nrta.with_policy(policy_from_dict(raw))
    text = "Zhao Ming quietly gives himself up to the enemy army at dawn."
    found = [f for f in loose.review(ReviewItem(ip="river-oath", text=text)).findings]
    assert [f.kind for f in found] == ["trait-inversion-semantic"]
    assert found[0].severity == "medium" and found[0].score is not None and found[0].score >= 0.3
    # The bundled policy's strict threshold leaves the same paraphrase to humans or the judge.
    assert kinds(nrta, text) == []
