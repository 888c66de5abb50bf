"""Clause-level inversions, modern polity anachronisms and martial-arts violence, on the demo canon."""

from __future__ import annotations

import pytest

from culturebridge.catalog.canon import CanonCard
from culturebridge.review import (
    Models,
    Reviewer,
    ReviewItem,
    default_canon_dir,
    load_canon_dir,
    load_policy,
)
from culturebridge.review.policy import policy_from_dict

JW, TK, DR, LT = "journey-to-the-west", "three-kingdoms", "dream-of-the-red-chamber", "letters-from-tea-mountain"
WM = "water-margin"


@pytest.fixture(scope="module")
def demo_cards() -> dict[str, CanonCard]:
    return load_canon_dir(default_canon_dir())


@pytest.fixture(scope="module")
def rules(demo_cards: dict[str, CanonCard]) -> Reviewer:
    """The bundled NRTA pack without models: what the rules alone decide."""
    return Reviewer(load_policy("cn-nrta-ai-alteration"), demo_cards, models=Models.none())


def decide(reviewer: Reviewer, ip: str, text: str) -> tuple[str, list[str]]:
    d = reviewer.review(ReviewItem(ip=ip, text=text))
    return d.decision, [f.kind for f in d.findings]


@pytest.mark.parametrize(
    ("ip", "text"),
    [
        (JW, "悟空来到通天河边。他为了一箱金子，把师父卖给了妖怪。"),  # pronoun, no name in the clause
        (JW, "Sun Wukong meets the spider demons. He hands his master over to the demons for peaches."),
        (JW, "孫悟空為了長生不老的仙丹，出賣了師父。"),  # traditional characters
        (TK, "关二爷背判了大哥，投到曹操门下。"),  # alias + homophone of 背叛
        (TK, "Guan Yu takes Cao Cao's gold and sells out Liu Bei."),  # the doer is not "Cao Cao's"
        (TK, "He had sworn an oath, but Guan Yu breaks it, murdering Zhang Fei in his sleep."),
        (TK, "刘备为了自保，下令把新野的百姓全部杀光。"),
    ],
)
def test_inversions_in_other_wordings_are_rejected(rules: Reviewer, ip: str, text: str) -> None:
    decision, found = decide(rules, ip, text)
    assert decision == "reject" and "trait-inversion" in found


@pytest.mark.parametrize(
    ("ip", "text"),
    [
        (TK, "曹操劝关羽背叛刘备，许以高官厚禄，关羽始终不肯。"),  # urged, not done
        (TK, "Cao Cao tempts Guan Yu to betray his brother with gold, but Guan Yu never wavers."),
        (TK, "Guan Yu is captured by Wu, refuses to betray Liu Bei, and is executed."),
        (JW, "妖怪诬陷孙悟空要背叛师父，唐僧一时相信。"),
        (JW, "Wukong kills the tiger demon and skins it, then bows to Tripitaka."),  # two clauses
        (TK, "Lü Bu murders his adoptive father Ding Yuan for a horse."),  # canon: Lü Bu is fickle
        # Heard of, not done: the butcher bullies the singer (the Cantonese one with 俾, the passive).
        (WM, "鲁提辖听说郑屠欺负卖唱的金翠莲父女，三拳打死了镇关西。"),
        (WM, "魯提轄聽見金老漢兩父女俾鎮關西欺負，二話不說走去肉舖。"),
    ],
)
def test_faithful_retellings_with_strong_words_pass(rules: Reviewer, ip: str, text: str) -> None:
    assert decide(rules, ip, text)[0] == "pass"


@pytest.mark.parametrize(
    ("ip", "text"),
    [
        (JW, "大闹天宫：猴王偷吃蟠桃，盗了老君的金丹，最后被如来压在五行山下。"),  # 蟠桃 is a word, not 叛逃
        (TK, "【三国校园AU】刘备是学生会长，关羽是纪律委员，超讲义气。"),  # 是学(生会) straddles words: not 嗜血
        (JW, "悟空被判了死刑的消息传来，唐僧连夜去求情。"),  # 被判 is a word, not 背叛
    ],
)
def test_sound_alikes_that_are_real_words_or_straddle_two_are_not_evasions(rules: Reviewer, ip: str, text: str) -> None:
    assert "trait-inversion" not in decide(rules, ip, text)[1]


def test_time_travel_to_a_modern_seat_of_government_is_rejected(rules: Reviewer) -> None:
    assert decide(rules, TK, "诸葛亮穿越到中南海，与美国代表签订军事条约，换来一批现代战舰。")[0] == "reject"
    assert decide(rules, JW, "Sun Wukong time-travels to the White House to sign a military treaty for aircraft carriers.")[0] == "reject"
    # A lone modern place in a declared modern retelling goes to a human, not to reject.
    assert decide(rules, TK, "现代职场版三国：刘备的公司准备去美国上市。")[0] == "review"


def test_modern_canon_is_not_flagged_for_modern_things(rules: Reviewer) -> None:
    text = "晓茶穿越回十年前，在白宫门口用智能手机直播外婆焙茶。"
    assert "anachronism" not in decide(rules, LT, text)[1]


def test_martial_arts_violence_only_where_the_canon_has_no_fighting(rules: Reviewer) -> None:
    decision, found = decide(rules, DR, "林黛玉一招降龙十八掌把贾宝玉打得口吐鲜血。")
    assert decision == "reject" and "martial-violence" in found
    assert decide(rules, DR, "Lin Daiyu beats Baoyu in a kung-fu brawl until he spits blood.")[0] == "reject"
    # Canon violence told faithfully: the father's beating, the heroine coughing blood.
    assert decide(rules, DR, "宝玉挨了父亲贾政一顿板子，打得皮开肉绽，黛玉病中咳血。")[0] == "pass"
    # The heroic classics fight: the same idioms are canon there.
    assert decide(rules, TK, "关羽与张飞大打出手，比武三百回合不分胜负。")[0] == "pass"


def test_new_signals_are_off_in_a_pack_that_does_not_ask_for_them(demo_cards: dict[str, CanonCard]) -> None:
    raw = {
        "name": "plain", "version": "1", "title": {"en": "t"}, "clauses": {"c": {"en": "c"}},
        "checks": [{"check": "fidelity", "clause": "c"}, {"check": "safety", "clause": "c"},
                   {"check": "misplacement", "clause": "c"}],
    }
    plain = Reviewer(policy_from_dict(raw), demo_cards, models=Models.none())
    assert decide(plain, DR, "林黛玉一招降龙十八掌把贾宝玉打得口吐鲜血。")[1] == []
    assert decide(plain, JW, "悟空来到通天河边。他为了一箱金子，把师父卖给了妖怪。")[1] == []


def test_a_heard_of_act_is_not_the_hearers_but_the_characters_own_act_still_is(rules: Reviewer) -> None:
    # The nearest character before the predicate is its doer: hearing the news does not hide it.
    decision, found = decide(rules, TK, "刘备听说关羽背叛了他，投到曹操门下。")
    assert decision == "reject" and "trait-inversion" in found
