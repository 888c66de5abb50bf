from __future__ import annotations

from culturebridge.catalog.canon import CanonCard
from culturebridge.localize.glossary import (
    Glossary,
    Rendering,
    Term,
    cedict_glosses,
    leftover_placeholders,
    pinyin_suggestion,
)


def test_seeded_from_canon_names_aliases_and_renderings(glossary: Glossary) -> None:
    wukong = glossary.term("孙悟空")
    assert wukong is not None and wukong.strategy == "transliterate+gloss"
    r = wukong.rendering("en")
    assert r is not None and r.text == "Sun Wukong" and r.first_mention == "Sun Wukong (Monkey King)"
    assert glossary.term("美猴王").rendering("en").text == "Monkey King"  # type: ignore[union-attr]
    # the alias 悟空 is paired with the English alias Wukong through its pinyin
    assert glossary.term("悟空").rendering("en").text == "Wukong"  # type: ignore[union-attr]
    assert glossary.term("八戒").rendering("en") is None  # type: ignore[union-attr]  # no rendering: not enforced
    assert glossary.term("猪八戒").rendering("es-MX").text == "Zhu Bajie"  # type: ignore[union-attr]


def test_find_is_leftmost_longest(glossary: Glossary) -> None:
    found = glossary.find("孙悟空对悟空说话", "en")
    assert [(m.term.source, m.start, m.end) for m in found] == [("孙悟空", 0, 3), ("悟空", 4, 6)]


def test_mask_and_restore_with_first_mention(glossary: Glossary) -> None:
    masked = glossary.mask("孙悟空驾筋斗云。", "en")
    assert masked.text == "⟦0⟧驾⟦1⟧。"
    seen: set[str] = set()
    first = glossary.restore("⟦0⟧ rides the ⟦1⟧.", masked, "en", seen)
    assert first == "Sun Wukong (Monkey King) rides the somersault cloud."
    again = glossary.restore("[ 0 ] rides the ⟦1⟧.", masked, "en", seen)
    assert again == "Sun Wukong rides the somersault cloud."
    assert leftover_placeholders("a ⟦3⟧ b") == [(2, 5)]


def test_substitute_puts_renderings_in_the_source(glossary: Glossary) -> None:
    assert glossary.mask("孙悟空驾筋斗云。", "en", "substitute").text == "Sun Wukong驾somersault cloud。"


def test_compliance_and_missing(glossary: Glossary) -> None:
    assert glossary.compliance("孙悟空挥舞金箍棒", "Sun Wukong swings the Ruyi Jingu Bang", "en") == 1.0
    assert glossary.compliance("孙悟空挥舞金箍棒", "Sun Wukong swings the golden hoop stick", "en") < 0.5
    missing = glossary.missing("孙悟空挥舞金箍棒", "Monkey swings it", "en")
    assert [m.term.source for m in missing] == ["孙悟空", "金箍棒"]
    assert glossary.forbidden("en") == ("golden hoop stick",)


def test_hints_carry_strategy_and_forbidden(glossary: Glossary) -> None:
    hints = glossary.hints("孙悟空挥舞金箍棒", "en")
    assert [(h.source, h.target) for h in hints] == [("孙悟空", "Sun Wukong"), ("金箍棒", "Ruyi Jingu Bang")]
    assert "never: golden hoop stick" in hints[1].note


def test_dict_round_trip(glossary: Glossary) -> None:
    assert Glossary.from_dict(glossary.to_dict()) == glossary


def test_suggestions() -> None:
    assert pinyin_suggestion("孙悟空") == "Sun Wukong"
    assert pinyin_suggestion("诸葛亮") == "Zhu Geliang"  # a suggestion only: compound surnames need a human
    assert any("Monkey King" in g for g in cedict_glosses("孙悟空"))
    assert cedict_glosses("不存在的词语啊") == []


def test_keep_strategy_for_renderings_equal_to_source() -> None:
    card = CanonCard.from_dict({"name": "x", "titles": {"en": "X"}, "renderings": {"IP": {"en": "IP"}}})
    assert Glossary.from_canon(card).terms[0].strategy == "keep"


def test_repair_is_word_bounded_case_aware_and_spares_accepted_forms() -> None:
    g = Glossary("x", "zh", (
        Term("筋斗云", {"en": Rendering("somersault cloud", forbidden=("cloud trampoline",))}),
        Term("孙悟空", {"en": Rendering("Sun Wukong", forbidden=("Wukong",))}),
    ))
    assert g.repair("筋斗云", "Cloud trampoline! A cloud trampolines.", "en") == "Somersault cloud! A somersault cloud."
    assert g.repair("筋斗云", "CLOUD TRAMPOLINE", "en") == "SOMERSAULT CLOUD"
    assert g.repair("筋斗云", "the cloud trampolinex", "en") == "the cloud trampolinex"  # not a whole word
    assert g.repair("孙悟空", "Sun Wukong, or Wukong.", "en") == "Sun Wukong, or Sun Wukong."
    assert g.repair("武松", "Wukong", "en") == "Wukong"  # the term is not in this source
