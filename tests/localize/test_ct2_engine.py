from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.errors import EngineUnavailable
from culturebridge.localize.ct2_engine import CTranslate2Translator
from culturebridge.localize.glossary import Glossary
from culturebridge.localize.segments import Context, Segment
from culturebridge.localize.translator import GlossaryEnforcer, QAChecked

SENTENCES = ["孙悟空大闹天宫。", "武松打虎。", "端午节吃粽子，赛龙舟。", "林黛玉葬花。", "他走了一百零八里路。"]


def test_missing_or_incomplete_model_dir(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="model.bin"):
        CTranslate2Translator(tmp_path)
    (tmp_path / "model.bin").write_bytes(b"not a model")
    with pytest.raises(EngineUnavailable, match="sentencepiece"):
        CTranslate2Translator(tmp_path)
    (tmp_path / "source.spm").write_bytes(b"x")
    (tmp_path / "target.spm").write_bytes(b"x")
    with pytest.raises(EngineUnavailable, match="cannot load"):
        CTranslate2Translator(tmp_path)


def test_decodes_batches_in_order_with_nbest(tiny_model: Path) -> None:
    engine = CTranslate2Translator(tiny_model, max_batch_size=2, max_decoding_length=16)
    segs = [Segment(str(i), s) for i, s in enumerate(SENTENCES)]
    out = engine.translate(segs, "zh", "en", Context(num_hypotheses=3))
    assert [t.segment_id for t in out] == [s.id for s in segs]
    assert all(t.status == "translated" and t.text for t in out)
    assert all(len(t.hypotheses) == 3 and t.text == t.hypotheses[0] for t in out)
    alone = engine.translate([segs[3]], "zh", "en", Context(num_hypotheses=3))[0]
    assert alone.hypotheses == out[3].hypotheses  # batching does not change results


def test_bad_segments_fail_alone(tiny_model: Path) -> None:
    engine = CTranslate2Translator(tiny_model, max_decoding_length=8)
    out = engine.translate([Segment("a", ""), Segment("b", "武松打虎。"), Segment("c", "虎" * 3000)], "zh", "en")
    assert [t.status for t in out] == ["failed", "translated", "failed"]
    assert "empty" in (out[0].error or "") and "split it" in (out[2].error or "")


def test_placeholders_are_single_tokens(tiny_model: Path) -> None:
    engine = CTranslate2Translator(tiny_model)
    tokens = engine.tokenize("⟦0⟧大闹⟦1⟧。")
    assert tokens[0] == "⟦0⟧" and "⟦1⟧" in tokens and tokens[-1] == "</s>"
    assert engine.detokenize(["▁Sun", "⟦0⟧", "▁go"]).split() == ["Sun", "⟦0⟧", "go"]


def test_forbidden_variants_are_suppressed(tiny_model: Path) -> None:
    engine = CTranslate2Translator(tiny_model, max_decoding_length=12)
    pieces = engine.decode_pieces("孙悟空大闹天宫。")[0]
    banned = next(p for p in pieces if engine.target_pieces(engine.detokenize([p])) == [p])
    again = engine.decode_pieces("孙悟空大闹天宫。", forbidden=(engine.detokenize([banned]),))[0]
    assert banned not in again and again != pieces


def test_a_forbidden_variant_outside_the_vocabulary_does_not_fail_the_batch(tiny_model: Path) -> None:
    engine = CTranslate2Translator(tiny_model, max_decoding_length=8)
    oov = "Sun Wu-k'ung"  # the tiny target vocabulary has no apostrophe piece
    assert engine.suppress_sequences((oov,)) == []
    out = engine.translate([Segment("1", "孙悟空大闹天宫。")], "zh", "en", Context(forbidden=(oov,), num_hypotheses=2))
    assert out[0].status == "translated", out[0].error


def test_pipeline_over_tiny_model_restores_or_flags(tiny_model: Path, glossary: Glossary) -> None:
    engine = CTranslate2Translator(tiny_model, max_decoding_length=16)
    pipeline = QAChecked(GlossaryEnforcer(glossary, engine), glossary)
    out = pipeline.translate([Segment("1", "孙悟空驾筋斗云。"), Segment("2", "武松打虎。")], "zh", "en")
    for t in out:
        missing = glossary.missing(t.source, t.text or "", "en")
        flagged = {i.span for i in t.issues if i.check == "glossary"}
        assert {(m.start, m.end) for m in missing} == flagged
    assert "⟦" not in "".join(t.text or "" for t in out) or any(
        i.check == "placeholders" for t in out for i in t.issues)


def test_decoding_errors_become_per_segment_failures(tiny_model: Path) -> None:
    # The tiny model has 512 positions; a random model never stops early, so this overflows.
    engine = CTranslate2Translator(tiny_model, max_decoding_length=600)
    out = engine.translate([Segment("1", "武松打虎。"), Segment("2", "林黛玉葬花。")], "zh", "en")
    assert [t.status for t in out] == ["failed", "failed"]
    assert all("CTranslate2 decoding failed" in (t.error or "") for t in out)
