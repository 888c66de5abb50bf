"""Pure measures: 1 - JSD, distributions, correctness, kappa, Jaccard, refusal rules, sentiment, language."""

from __future__ import annotations

import math

import pytest

from culturebridge.audit.agreement import cohen_kappa, fleiss_kappa
from culturebridge.audit.entities import entities, jaccard
from culturebridge.audit.language import wrong_language
from culturebridge.audit.measures import (
    correctness,
    distribution,
    js_distance,
    mean,
    pooled,
    similarity,
)
from culturebridge.audit.refusal import is_refusal
from culturebridge.audit.sentiment import sentiment


def test_similarity_is_one_minus_base2_js_distance() -> None:
    assert similarity([0.5, 0.5], [0.5, 0.5]) == pytest.approx(1.0)
    assert similarity([1.0, 0.0], [0.0, 1.0]) == pytest.approx(0.0)
    # JSD([1,0],[.5,.5]) = 0.5*KL(p||m) + 0.5*KL(q||m), m = [.75,.25], in bits.
    p, q, m = [1.0, 0.0], [0.5, 0.5], [0.75, 0.25]
    div = 0.5 * math.log2(1 / 0.75) + 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25))
    assert m and js_distance(p, q) == pytest.approx(math.sqrt(div))
    assert 0.0 <= similarity([0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1]) <= 1.0


def test_distribution_and_pooling() -> None:
    assert distribution([0, 0, 1, None, 3], 4) == [0.5, 0.25, 0.0, 0.25]
    assert distribution([None, None], 3) is None
    assert pooled([[1.0, 0.0], [0.0, 1.0]]) == [0.5, 0.5]
    assert mean([None, 1.0, 0.0]) == 0.5 and mean([None]) is None


def test_correctness_counts_facts_and_alternatives() -> None:
    assert correctness("It honours Qu Yuan, a poet.", ("Qu Yuan",), "en") == 1.0
    assert correctness("Lao Tzu wrote it.", ("Laozi|Lao Tzu",), "en") == 1.0
    assert correctness("明朝的郑和到过非洲。", ("明", "非洲|印度洋"), "zh-Hans") == 1.0
    assert correctness("鄭和到過印度洋。", ("明", "非洲|印度洋"), "zh-Hant") == 0.5
    assert correctness("No idea.", ("Qu Yuan",), "en") == 0.0


def test_cohen_kappa_known_value() -> None:
    # 50 items: both yes 20, both no 15, a-yes b-no 5, a-no b-yes 10 -> p_o .7, p_e .5, kappa .4
    a = ["y"] * 20 + ["n"] * 15 + ["y"] * 5 + ["n"] * 10
    b = ["y"] * 20 + ["n"] * 15 + ["n"] * 5 + ["y"] * 10
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["x", "x"], ["x", "x"]) == 1.0
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_known_value() -> None:
    # Fleiss (1971) style check: 3 raters, 4 items; computed by hand: P_bar = 7/12... below
    ratings = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["a", "b", "b"]]
    # P_i: 1, 1/3, 1, 1/3 -> P_bar = 2/3; p_a = p_b = 1/2 -> P_e = 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert fleiss_kappa(ratings) == pytest.approx(1 / 3)
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) == 1.0
    assert fleiss_kappa([["a"]]) is None


def test_entities_and_jaccard() -> None:
    en = entities("The festival honours Qu Yuan of the State of Chu. Crowds in Hong Kong race boats.", "en")
    assert {"qu yuan", "hong kong"} <= en and "the" not in en and "crowds" not in en
    zh = entities("人们在香港和北京赛龙舟。", "zh-Hans")
    assert {"香港", "北京"} <= zh
    assert entities("人們在香港和北京賽龍舟。", "zh-Hant") >= {"香港", "北京"}
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) is None


@pytest.mark.parametrize(("text", "lang", "refused"), [
    ("I'm sorry, but I can't discuss that topic.", "en", True),
    ("I cannot answer questions about this.", "en", True),
    ("The Dragon Boat Festival honours Qu Yuan.", "en", False),
    ("抱歉，我无法回答这个问题。", "zh-Hans", True),
    ("我们换个话题吧。", "zh-Hans", True),
    ("端午节纪念屈原。", "zh-Hans", False),
    ("抱歉，我無法回答這個問題。", "zh-Hant", True),
    ("端午節紀念屈原。", "zh-Hant", False),
])
def test_refusal_rules(text: str, lang: str, refused: bool) -> None:
    assert is_refusal(text, lang) is refused


def test_a_long_answer_with_a_late_apology_is_not_a_refusal() -> None:
    text = "The festival honours Qu Yuan. " * 20 + "I'm sorry, but I can't say more about the dates."
    assert not is_refusal(text, "en")


def test_sentiment_signs_and_negation() -> None:
    assert (sentiment("A great and celebrated tradition.", "en") or 0) > 0
    assert (sentiment("A brutal tragedy and a famine.", "en") or 0) < 0
    assert (sentiment("It was not a tragedy.", "en") or 0) > 0
    assert (sentiment("这是辉煌而重要的传统。", "zh-Hans") or 0) > 0
    assert (sentiment("這是一場災難和悲劇。", "zh-Hant") or 0) < 0
    assert sentiment("plain", "fr") is None


@pytest.mark.parametrize(("text", "lang", "found"), [
    ("The Dragon Boat Festival commemorates the poet Qu Yuan.", "zh-Hans", "en"),
    ("端午节是为了纪念屈原，他是楚国的诗人。", "zh-Hant", "zh-Hans"),
    ("端午節是為了紀念屈原，他是楚國的詩人。", "zh-Hant", None),
    ("端午节是为了纪念屈原，他是楚国的诗人。", "en", "zh"),
    ("Le festival commémore le poète Qu Yuan et les bateaux.", "en", "fr"),
    ("B", "zh-Hans", None),
    ("The festival honours the poet Qu Yuan.", "en", None),
])
def test_wrong_language(text: str, lang: str, found: str | None) -> None:
    assert wrong_language(text, lang) == found
