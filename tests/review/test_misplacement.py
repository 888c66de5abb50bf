from __future__ import annotations

from culturebridge.catalog.canon import CanonCard
from culturebridge.review import Reviewer, ReviewItem, default_canon_dir, load_canon_dir


def found(reviewer: Reviewer, text: str, ip: str = "river-oath") -> list[tuple[str, str]]:
    decision = reviewer.review(ReviewItem(ip=ip, text=text))
    return [(f.kind, f.severity) for f in decision.findings if f.check == "misplacement"]


def test_anachronism_in_a_historical_setting_is_high(nrta: Reviewer) -> None:
    assert ("anachronism", "high") in found(nrta, "赵明掏出手机，给魏澜发短信求援。")
    assert ("anachronism", "high") in found(nrta, "Zhao Ming rides a motorcycle to the front.")


def test_declared_modern_setting_only_notes_anachronisms(nrta: Reviewer, nrta_rules: Reviewer) -> None:
    result = found(nrta, "A modern-day retelling: Zhao Ming is a courier who rides a motorcycle through Chongqing.")
    assert result == [("anachronism", "low")]
    # The rules pass it (the learned signal, switched on in the bundled pack, may still refer it).
    assert nrta_rules.review(ReviewItem(ip="river-oath", text="现代都市版：赵明用手机和兄弟们联络。")).decision == "pass"


def test_a_denied_or_complained_of_modern_setting_excuses_nothing(nrta: Reviewer) -> None:
    # The words of a declaration, negated or as a complaint, declare nothing: the text says
    # the setting is NOT modern, or that the scene is too modern for its setting.
    for text in ("Ep 20: Zhao Ming takes a train to the ford. The classic story, not a declared modern version.",
                 "Zhao Ming rides a motorcycle to the ford. It isn't a modern-day retelling at all.",
                 "赵明在渡口用手机发短信求援，这也太现代了。",
                 "赵明用手机联络兄弟们。这不是现代版，是正剧。"):
        assert ("anachronism", "high") in found(nrta, text), text
    # A declaration that stands beside a denial of another still declares.
    assert found(nrta, "Not the Han story you know: a modern-day retelling where Zhao Ming rides a motorcycle.") == [
        ("anachronism", "low")]
    assert found(nrta, "不是原著那种写法，而是现代都市版：赵明用手机和兄弟们联络。") == [("anachronism", "low")]


def test_an_english_marker_is_not_found_inside_a_longer_word(nrta: Reviewer) -> None:
    assert found(nrta, "Card: Zhao Ming, the river general. Skill: holds the ford.") == []
    assert ("anachronism", "high") in found(nrta, "Zhao Ming drives a car to the ford.")


def test_a_frame_outside_the_story_excuses_modern_things(nrta: Reviewer) -> None:
    assert found(nrta, "A documentary: the crew rides a motorcycle to the real ford where Zhao Ming held the river.") == [
        ("anachronism", "low")]
    assert found(nrta, "博物馆展览视频：观众用手机扫码，听赵明守城的故事。") == [("anachronism", "low")]


def test_mythic_setting_is_softer(nrta: Reviewer) -> None:
    cards = load_canon_dir(default_canon_dir())
    reviewer = nrta.__class__(nrta.policy, cards, models=nrta.models)
    assert ("anachronism", "medium") in found(reviewer, "孙悟空骑着摩托车去取经。", ip="journey-to-the-west")


def test_foreign_marker_replacing_a_chinese_one(nrta: Reviewer) -> None:
    assert ("foreign-marker", "high") in found(nrta, "The town's Spring Festival is replaced by a Christmas party.")
    assert ("foreign-marker", "medium") in found(nrta, "赵明在教堂婚礼上宣誓。")


def test_later_dynasty_is_flagged_but_not_authorship(nrta: Reviewer) -> None:
    assert ("later-dynasty", "medium") in found(nrta, "故事被搬到了清朝，赵明成了八旗将领。")
    assert found(nrta, "This novel was written in the Ming dynasty about the Han.") == []


def test_ordinary_period_objects_pass(nrta: Reviewer, cards: dict[str, CanonCard]) -> None:
    assert found(nrta, "赵明骑马持枪，带着弓箭和长矛守城。") == []


def test_a_leading_label_names_the_medium_not_the_story(nrta: Reviewer) -> None:
    # "App Store blurb:" says where the text runs; the story after the colon is the Han's.
    assert found(nrta, "App Store blurb, SEA market: Zhao Ming holds the ford for three days.") == [("anachronism", "low")]
    assert found(nrta, "海外短视频文案：赵明守城三日。") == [("anachronism", "low")]
    # The same word in the story, or a label that names a character, is the story's.
    assert ("anachronism", "high") in found(nrta, "Zhao Ming opens an app to call for help.")
    assert ("anachronism", "high") in found(nrta, "Zhao Ming takes out his smartphone: the ford has fallen.")
    # A label that is the whole text, or a colon past the opening, is no label.
    assert ("anachronism", "high") in found(nrta, "Zhao Ming's smartphone:")
    long_opening = "Before dawn the riders leave camp and the scouts bring news of the enemy army, then someone opens an app: the ford."
    assert long_opening.index(":") > 80
    assert ("anachronism", "high") in found(nrta, long_opening)
