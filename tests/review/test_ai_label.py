from __future__ import annotations

from culturebridge.review import Reviewer, ReviewItem


def test_unlabelled_ai_work_gets_an_automatic_fix_not_a_block(nrta: Reviewer) -> None:
    decision = nrta.review(ReviewItem(ip="river-oath", text="赵明守城。", ai_generated=True))
    assert decision.decision == "pass"
    assert decision.fixes == ("apply-ai-label",)
    assert [f.kind for f in decision.findings] == ["ai-label-missing"]


def test_labelled_or_declared_or_human_work_needs_nothing(nrta: Reviewer) -> None:
    for item in (
        ReviewItem(ip="river-oath", text="赵明守城。", ai_generated=True, labelled=True),
        ReviewItem(ip="river-oath", text="作者声明：内容由AI生成。赵明守城。", ai_generated=True),
        ReviewItem(ip="river-oath", text="赵明守城。"),
    ):
        decision = nrta.review(item)
        assert decision.findings == () and decision.fixes == ()
