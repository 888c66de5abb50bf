from __future__ import annotations

from culturebridge.localize.dictionary_engine import DictionaryTranslator, first_sense
from culturebridge.localize.segments import Segment


def test_glosses_deterministically_and_keeps_placeholders() -> None:
    engine = DictionaryTranslator({"大闹天宫": "wreaks havoc in Heaven"})
    a = engine.translate([Segment("1", "⟦0⟧大闹天宫。")], "zh", "en")[0]
    b = engine.translate([Segment("1", "⟦0⟧大闹天宫。")], "zh", "en")[0]
    assert a.text == b.text == "⟦0⟧ wreaks havoc in Heaven."


def test_other_directions_and_empty_segments_fail_per_segment() -> None:
    engine = DictionaryTranslator()
    out = engine.translate([Segment("1", "hello"), Segment("2", " ")], "en", "fr")
    assert [t.status for t in out] == ["failed", "failed"]
    assert "only glosses zh -> en" in (out[0].error or "") and "empty" in (out[1].error or "")


def test_first_sense_skips_classifiers_and_surnames() -> None:
    assert first_sense(["CL:條|条[tiao2]", "surname Long", "dragon; imperial"]) == "dragon"
