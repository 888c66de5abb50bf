from __future__ import annotations

import io

import numpy as np
from PIL import Image

from culturebridge.catalog.canon import CanonCard
from culturebridge.review import Frame, Models, Reviewer, ReviewItem, load_policy


def safety(reviewer: Reviewer, text: str, ip: str = "river-oath") -> list[tuple[str, str]]:
    decision = reviewer.review(ReviewItem(ip=ip, text=text))
    return [(f.kind, f.severity) for f in decision.findings if f.check == "safety"]


def test_gore_and_vulgarity_lexicon_zh_en(nrta: Reviewer) -> None:
    assert ("gore", "high") in safety(nrta, "赵明将俘虏肢解，血肉横飞。")
    assert ("gore", "high") in safety(nrta, "The camera lingers on severed limbs as Zhao Ming laughs.")
    assert ("vulgarity", "high") in safety(nrta, "魏澜骂道：傻逼！")


def test_traditional_and_homophone_evasions_are_caught(nrta: Reviewer) -> None:
    assert ("gore", "high") in safety(nrta, "趙明將俘虜碎屍。")
    found = nrta.review(ReviewItem(ip="river-oath", text="魏澜骂道：沙比，草泥马！")).findings
    homophones = [f for f in found if "homophone" in f.explanation]
    assert {f.evidence.quote for f in homophones} == {"沙比"}
    assert {f.evidence.quote for f in found if f.kind == "vulgarity"} == {"沙比", "草泥马"}


def test_sound_alikes_straddling_two_words_are_not_vulgarity(nrta: Reviewer) -> None:
    # 上表|自贬 sounds like 婊子 across a word boundary; 年纪|八十 like 鸡巴; 哭骂|的 like 妈的.
    assert safety(nrta, "孔明上表自贬三等，以谢三军。") == []
    assert safety(nrta, "年纪八十的老人家哭的哭骂的骂。") == []
    assert ("vulgarity", "medium") in safety(nrta, "魏澜骂道：沙比！")  # a whole word: still an evasion


def test_a_sound_alike_is_referred_not_rejected(nrta: Reviewer) -> None:
    # 见人 sounds like 贱人: a person decides. The literal word still rejects.
    assert safety(nrta, "沙比。") == [("vulgarity", "medium")]
    assert ("vulgarity", "high") in safety(nrta, "魏澜骂道：傻逼！")
    # The rule refers; whether the item is rejected is then the learned signal's call.
    decision = nrta.review(ReviewItem(ip="river-oath", text="魏澜骂道：沙比！"))
    assert [r.outcome for r in decision.reasons if r.check == "safety"] == ["review"]


def test_a_two_character_term_must_be_a_word_of_the_text(nrta: Reviewer) -> None:
    # 找|妈妈|的: 妈的 only straddles two words.
    assert [f for f in safety(nrta, "阿满把一个哭着找妈妈的小女孩送回了家。") if f[0] == "vulgarity"] == []
    assert ("vulgarity", "high") in safety(nrta, "魏澜骂道：妈的，滚！")


def test_a_negated_term_is_not_a_finding(nrta: Reviewer) -> None:
    def lexicon_gore(text: str) -> list[tuple[str, str]]:
        return [f for f in safety(nrta, text) if f[0] == "gore"]

    assert lexicon_gore("Keep it dark but not gory: the camera cuts away.") == []
    assert lexicon_gore("The duel isn't gory at all.") == []
    assert lexicon_gore("画面克制，不血腥。") == []
    assert lexicon_gore("The scene is gory and the camera lingers.") == [("gore", "high")]


def test_battles_of_a_classic_are_not_violations(nrta: Reviewer) -> None:
    assert safety(nrta, "Zhao Ming fights three days at the ford and kills the enemy general in single combat.") == []
    assert safety(nrta, "赵明在渡口血战三日，斩杀敌将。") == []


def test_profanity_model_scores_english_sentences(nrta: Reviewer) -> None:
    found = safety(nrta, "Wei Lan screams at him, you stupid piece of crap, go to hell you loser.")
    assert any(kind == "profanity" for kind, _ in found)


def test_the_profanity_model_rejects_only_when_it_is_near_certain(nrta: Reviewer) -> None:
    # Scored 0.95 by the model: a retelling with "idiot" in it goes to the desk, not out.
    grumble = safety(nrta, "When Su Mo falls from the cloud-bridge during the exam, Xuan grumbles that he's an "
                           "idiot and dives after him anyway, ink trailing across the sea of clouds over Huangshan.")
    assert grumble == [("profanity", "medium")]
    assert ("profanity", "high") in safety(nrta, "Wei Lan screams 'fuck you' at him across the hall.")


def test_childrens_ip_rejects_creepy_remakes(nrta: Reviewer) -> None:
    decision = nrta.review(ReviewItem(ip="paper-kite", text="小飞变成了一个诡异的恐怖娃娃，在夜里吃人。"))
    assert decision.decision == "reject"
    assert {f.clause for f in decision.findings if f.check == "safety"} == {"nrta-children"}
    # The same creepy words in an adult classic are not the children's rule.
    assert safety(nrta, "老和尚讲了一个诡异的鬼故事。") == []


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    pixels = np.zeros((64, 64, 3), dtype=np.uint8) + np.array(color, dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_key_frames_are_scored_with_open_nsfw(cards: dict[str, CanonCard], models: Models) -> None:
    frames = (Frame(1.0, _png((30, 90, 200))), Frame(2.5, _png((200, 160, 120))))
    policy = load_policy("generic-safety")
    item = ReviewItem(ip="river-oath", text="A calm river at dawn.", frames=frames)
    plain = Reviewer(policy, cards, models=models).review(item)
    assert [f for f in plain.findings if f.kind == "nsfw-frame"] == []
    # A zero threshold must flag every frame: proves the scores are computed and compared.
    raw = {"name": "strict", "version": "1", "title": {"en": "t"}, "requires_canon": False,
           "clauses": {"c": {"en": "c"}},
           "checks": [{"check": "safety", "clause": "c", "params": {"frame_review": 0.0, "frame_reject": 1.0}}]}
    from culturebridge.review import policy_from_dict

    strict = Reviewer(policy_from_dict(raw), cards, models=models).review(item)
    times = [f.evidence.frame_time_s for f in strict.findings if f.kind == "nsfw-frame"]
    assert times == [1.0, 2.5]
    assert strict.decision == "review"


def test_corrupt_frame_is_a_clear_error(cards: dict[str, CanonCard], models: Models) -> None:
    import pytest

    from culturebridge.errors import CorruptMedia

    item = ReviewItem(ip="river-oath", text="x", frames=(Frame(0.0, b"\x89PNG\r\n\x1a\nbroken"),))
    with pytest.raises(CorruptMedia):
        Reviewer(load_policy("generic-safety"), cards, models=models).review(item)
