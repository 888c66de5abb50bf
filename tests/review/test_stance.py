from __future__ import annotations

import pytest

from culturebridge.errors import PolicyInvalid
from culturebridge.review import Reviewer, ReviewItem
from culturebridge.review.check import CheckContext
from culturebridge.review.findings import DOUBT, Evidence, Finding
from culturebridge.review.stance import StanceCheck

PHONE = "赵明掏出手机，给魏澜发短信求援。"  # the rules reject it: a phone in the Han


def decided(reviewer: Reviewer, text: str) -> tuple[str, list[str]]:
    d = reviewer.review(ReviewItem(ip="river-oath", text=text))
    return d.decision, [r.explanation for r in d.reasons]


def test_a_refuted_claim_goes_to_the_desk_with_the_marker_quoted(nrta_rules: Reviewer) -> None:
    assert decided(nrta_rules, PHONE)[0] == "reject"
    decision, why = decided(nrta_rules, "有人说" + PHONE + "其实是误会，那是烽火台的信号。")
    assert decision == "review"
    assert why[0].endswith("to the desk, not rejected: the text refutes the claim it reports ('其实是误会'); "
                           "a human should decide")


def test_a_scene_said_to_be_the_originals_goes_to_the_desk_not_through(nrta_rules: Reviewer) -> None:
    # Saying so is not proof: the item meets a reviewer instead of passing.
    decision, why = decided(nrta_rules, "Zhao Ming rides a motorcycle to the front. It's straight from the novel.")
    assert decision == "review" and "the text says the scene is the original's ('straight from the novel')" in why[0]
    # Typed with the typographic apostrophe, too.
    assert decided(nrta_rules, "Zhao Ming rides a motorcycle to the front? He isn\u2019t: he rides a horse.")[0] == "review"


def test_a_critique_of_the_adaptation_is_no_refutation(nrta_rules: Reviewer) -> None:
    # "原著根本没有这些" blames the adaptation; it is not a marker.
    assert decided(nrta_rules, PHONE + "原著根本没有这些，完全没有原作的影子。")[0] == "reject"


def test_a_marker_in_a_long_text_doubts_nothing(nrta_rules: Reviewer) -> None:
    filler = "赵明守城三日。" * 8
    assert decided(nrta_rules, filler + PHONE + "此段出自原著。")[0] == "reject"
    assert decided(nrta_rules, filler[: len(filler) // 2] + PHONE + "此段出自原著。")[0] == "review"


def test_the_check_speaks_only_after_a_reject_on_the_text(nrta_rules: Reviewer) -> None:
    check = StanceCheck({})
    item = ReviewItem(ip="river-oath", text="赵明守城三日，此段出自原著。")
    context = CheckContext.build(item, None, nrta_rules.models, {})
    assert check.run(context) == []
    title_reject = Finding("fidelity", "trait-inversion", "high", Evidence("title", 0, 2, "赵明"), "because")
    context.earlier.append(title_reject)
    assert check.run(context) == []  # a reject on the title is not the text's
    context.earlier.append(Finding("fidelity", "trait-inversion", "high", Evidence("text", 0, 2, "赵明"), "because"))
    [doubt] = check.run(context)
    assert (doubt.kind, doubt.severity, doubt.evidence.quote) == (DOUBT, "low", "出自原著")


def test_its_parameters_are_checked() -> None:
    with pytest.raises(PolicyInvalid):
        StanceCheck({"max_sentences": 0})
    with pytest.raises(PolicyInvalid):
        StanceCheck({"markers": ["x"]})
