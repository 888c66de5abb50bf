from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput, MalformedExchangeFile
from culturebridge.localize.memory import TranslationMemory, from_xliff, to_xliff
from culturebridge.localize.segments import Segment, Translation


def _tm() -> TranslationMemory:
    tm = TranslationMemory("journey-to-the-west", "zh", "en")
    tm.add("孙悟空大闹天宫。", "Sun Wukong wreaks havoc in Heaven.")
    tm.add("猪八戒贪吃又懒惰。", "Zhu Bajie is greedy and lazy.")
    return tm


def test_exact_and_fuzzy_lookup() -> None:
    tm = _tm()
    assert tm.lookup(" 孙悟空大闹天宫。 ")[0].score == 100.0
    fuzzy = tm.lookup("孙悟空又大闹天宫。")
    assert fuzzy and fuzzy[0].entry.target.startswith("Sun Wukong") and 75 <= fuzzy[0].score < 100
    assert tm.lookup("端午节吃粽子。") == []


def test_empty_pairs_refused() -> None:
    with pytest.raises(InvalidInput):
        _tm().add("  ", "x")


def test_tmx_round_trip() -> None:
    tm = _tm()
    back = TranslationMemory.from_tmx(tm.to_tmx(), "journey-to-the-west", "zh", "en")
    assert [(e.source, e.target) for e in back.entries()] == [(e.source, e.target) for e in tm.entries()]


def test_tmx_malformed() -> None:
    with pytest.raises(MalformedExchangeFile):
        TranslationMemory.from_tmx(b"<tmx><body><tu>", "x", "zh", "en")
    with pytest.raises(MalformedExchangeFile):
        TranslationMemory.from_tmx(b"<html/>", "x", "zh", "en")


def test_xliff2_round_trip_for_outside_translators() -> None:
    items: list[Segment | Translation] = [
        Segment("s1", "武松打虎。"),
        Translation("s2", "林黛玉葬花。", "Lin Daiyu buries the flowers.", "human"),
    ]
    data = to_xliff(items, "zh", "en")
    assert b'version="2.0"' in data
    src, tgt, units = from_xliff(data)
    assert (src, tgt) == ("zh", "en")
    assert [(u.id, u.source, u.target) for u in units] == [
        ("s1", "武松打虎。", None), ("s2", "林黛玉葬花。", "Lin Daiyu buries the flowers.")]


def test_xliff_malformed() -> None:
    with pytest.raises(MalformedExchangeFile):
        from_xliff(b"<xliff version='1.2'></xliff>")
    with pytest.raises(MalformedExchangeFile):
        from_xliff(b"\xff\xfe<")
