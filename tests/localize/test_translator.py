from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from culturebridge.localize.dictionary_engine import DictionaryTranslator
from culturebridge.localize.glossary import Glossary, Rendering, Term
from culturebridge.localize.memory import TranslationMemory
from culturebridge.localize.segments import NO_CONTEXT, Context, Segment, Translation
from culturebridge.localize.translator import (
    GlossaryEnforcer,
    HumanTranslator,
    QAChecked,
    TMTranslator,
    first_mentions,
)


class ScriptedEngine:
    """An engine answering from a script of n-best lists (to exercise re-ranking)."""

    name = "scripted"

    def __init__(self, nbest: dict[str, list[str]]) -> None:
        self.nbest = nbest
        self.calls: list[tuple[list[str], Context]] = []

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        self.calls.append(([s.text for s in segments], context))
        out = []
        for s in segments:
            hyps = self.nbest.get(s.text, [s.text])[: context.num_hypotheses]
            out.append(Translation(s.id, s.text, hyps[0], self.name, hypotheses=tuple(hyps)))
        return out


def test_tm_answers_exact_hits_and_passes_misses() -> None:
    tm = TranslationMemory("x", "zh", "en")
    tm.add("武松打虎。", "Wu Song kills the tiger.", "human")
    engine = ScriptedEngine({"林黛玉葬花。": ["Lin Daiyu buries the flowers."]})
    out = TMTranslator(tm, engine).translate([Segment("1", "武松打虎。"), Segment("2", "林黛玉葬花。")], "zh", "en")
    assert [t.text for t in out] == ["Wu Song kills the tiger.", "Lin Daiyu buries the flowers."]
    assert out[0].origin == "tm:human" and engine.calls[0][0] == ["林黛玉葬花。"]


def test_enforcer_masks_restores_and_reranks(glossary: Glossary) -> None:
    engine = ScriptedEngine({"⟦0⟧挥舞⟦1⟧。": [
        "The monkey swings a stick.",            # engine's first choice drops both terms
        "⟦0⟧ swings the golden hoop stick.",     # keeps one placeholder
        "⟦0⟧ swings the ⟦1⟧.",                   # keeps both: must win
    ]})
    out = GlossaryEnforcer(glossary, engine).translate([Segment("1", "孙悟空挥舞金箍棒。")], "zh", "en")
    assert out[0].text == "Sun Wukong (Monkey King) swings the Ruyi Jingu Bang."
    assert out[0].source == "孙悟空挥舞金箍棒。" and out[0].issues == ()
    sent_text, ctx = engine.calls[0]
    assert sent_text == ["⟦0⟧挥舞⟦1⟧。"] and ctx.num_hypotheses == 4
    assert "golden hoop stick" in ctx.forbidden
    assert [h.target for h in ctx.hints["1"]] == ["Sun Wukong", "Ruyi Jingu Bang"]


def test_enforcer_first_mention_then_short(glossary: Glossary) -> None:
    engine = ScriptedEngine({"⟦0⟧笑了。": ["⟦0⟧ laughed."]})
    out = GlossaryEnforcer(glossary, engine).translate(
        [Segment("1", "孙悟空笑了。"), Segment("2", "孙悟空笑了。")], "zh", "en")
    assert [t.text for t in out] == ["Sun Wukong (Monkey King) laughed.", "Sun Wukong laughed."]


def test_enforcer_flags_what_it_cannot_fix(glossary: Glossary) -> None:
    engine = FixedEngine("Someone laughed.")
    out = GlossaryEnforcer(glossary, engine).translate([Segment("1", "孙悟空笑了。")], "zh", "en")
    assert [i.check for i in out[0].issues] == ["glossary"]
    assert out[0].term_method == "mask"  # the substituted retry was no better: ties keep the first
    assert engine.sent == [["⟦0⟧笑了。"], ["Sun Wukong笑了。"]]


class FixedEngine:
    """An engine that ignores its input and always answers the same text."""

    name = "fixed"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.sent: list[list[str]] = []

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        self.sent.append([s.text for s in segments])
        return [Translation(s.id, s.text, self.answer, self.name, hypotheses=(self.answer,)) for s in segments]


class PlaceholderDroppingEngine:
    """Glosses from a phrase table but loses every placeholder (as the tiny random Marian does)."""

    name = "dropper"
    PHRASES: ClassVar[dict[str, str]] = {"Sun Wukong": "Sun Wukong ", "金箍棒": "the golden hoop stick ", "笑了": "laughed",
               "天亮了": "Day broke", "挥舞": " swings ", "。": "."}

    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        self.sent.append([s.text for s in segments])
        out = []
        for s in segments:
            text = re.sub(r"⟦\d+⟧", "", s.text)
            for zh, en in self.PHRASES.items():
                text = text.replace(zh, en)
            text = re.sub(r"\s+", " ", text).replace(" .", ".").strip()
            out.append(Translation(s.id, s.text, text, self.name, hypotheses=(text,)))
        return out


def test_dropped_placeholders_fall_back_to_substitution_once(glossary: Glossary) -> None:
    engine = PlaceholderDroppingEngine()
    segs = [Segment("1", "孙悟空笑了。"), Segment("2", "天亮了。"), Segment("3", "孙悟空笑了。")]
    out = GlossaryEnforcer(glossary, engine, mentions=set()).translate(segs, "zh", "en")
    # one batch masked, then ONLY the failing segments, substituted, in one more batch
    assert engine.sent == [["⟦0⟧笑了。", "天亮了。", "⟦0⟧笑了。"], ["Sun Wukong笑了。", "Sun Wukong笑了。"]]
    # first-mention tracking holds across the fallback: glossed once, then the normal form
    assert [t.text for t in out] == ["Sun Wukong (Monkey King) laughed.", "Day broke.", "Sun Wukong laughed."]
    assert [t.term_method for t in out] == ["substitute", "mask", "substitute"]
    assert all(t.issues == () for t in out)
    assert [t.source for t in out] == [s.text for s in segs]


def test_forbidden_variant_is_repaired_after_choosing(glossary: Glossary) -> None:
    engine = FixedEngine("The golden hoop stick shines; golden hoop sticks are rare.")
    out = QAChecked(GlossaryEnforcer(glossary, engine), glossary).translate(
        [Segment("1", "金箍棒闪闪发光。")], "zh", "en")
    assert out[0].text == "The Ruyi Jingu Bang shines; Ruyi Jingu Bang are rare."
    assert out[0].term_method == "mask+repair" and out[0].issues == ()


def test_substitution_beats_a_dropped_placeholder_and_the_variant(glossary: Glossary) -> None:
    # Masked, the engine loses both placeholders; substituted, the renderings go through.
    out = QAChecked(GlossaryEnforcer(glossary, PlaceholderDroppingEngine()), glossary).translate(
        [Segment("1", "孙悟空挥舞金箍棒。")], "zh", "en")
    assert out[0].text == "Sun Wukong (Monkey King) swings Ruyi Jingu Bang."
    assert out[0].term_method == "substitute" and out[0].issues == ()


def test_repair_uses_the_first_mention_form_and_keeps_case(glossary: Glossary) -> None:
    wade = Glossary("journey-to-the-west", "zh", (Term(
        "孙悟空", {"en": Rendering("Sun Wukong", "Sun Wukong (Monkey King)", forbidden=("Sun Wu-kung",))},
        "transliterate+gloss", concept="sun-wukong"),))
    g = glossary.merged(wade)
    engine = FixedEngine("SUN WU-KUNG laughed; Sun Wu-kung laughed.")
    segs = [Segment("1", "孙悟空笑了。"), Segment("2", "孙悟空笑了。")]
    out = GlossaryEnforcer(g, engine, mentions=set()).translate(segs, "zh", "en")
    assert out[0].text == "SUN WUKONG (MONKEY KING) laughed; Sun Wukong laughed."
    assert out[1].text == "SUN WUKONG laughed; Sun Wukong laughed."
    assert out[0].term_method == "mask+repair" and out[0].issues == ()


def test_an_engine_ignoring_every_remedy_is_still_flagged_by_qa(glossary: Glossary) -> None:
    engine = FixedEngine("A monkey swings a stick.")
    out = QAChecked(GlossaryEnforcer(glossary, engine), glossary).translate(
        [Segment("1", "孙悟空挥舞金箍棒。")], "zh", "en")
    assert out[0].text == "A monkey swings a stick."
    assert sorted(i.check for i in out[0].issues) == ["glossary", "glossary"]


def test_qa_checked_attaches_issues_without_duplicates(glossary: Glossary) -> None:
    engine = ScriptedEngine({"⟦0⟧笑了。": ["Someone laughed laughed laughed."]})
    pipeline = QAChecked(GlossaryEnforcer(glossary, engine), glossary)
    out = pipeline.translate([Segment("1", "孙悟空笑了。")], "zh", "en")
    checks = [i.check for i in out[0].issues]
    assert sorted(checks) == ["glossary", "repetition"]


def test_full_pipeline_with_dictionary_engine(glossary: Glossary) -> None:
    pipeline = QAChecked(GlossaryEnforcer(glossary, DictionaryTranslator()), glossary)
    out = pipeline.translate([Segment("1", "孙悟空驾着筋斗云回到花果山。")], "zh", "en")
    text = out[0].text or ""
    assert "Sun Wukong (Monkey King)" in text and "somersault cloud" in text
    assert "Mountain of Flowers and Fruit" in text
    assert not [i for i in out[0].issues if i.check == "glossary"]


def test_human_leaves_segments_open() -> None:
    out = HumanTranslator().translate([Segment("1", "武松打虎。")], "zh", "en")
    assert out[0].status == "needs_human" and out[0].text is None


def test_first_mention_is_tracked_per_job_across_batches_and_resumes(glossary: Glossary) -> None:
    engine = ScriptedEngine({"⟦0⟧笑了。": ["⟦0⟧ laughed."]})
    segs = [Segment(str(i), "孙悟空笑了。") for i in range(3)]
    enforcer = GlossaryEnforcer(glossary, engine, mentions=set())
    texts = [t.text for i in range(3) for t in enforcer.translate([segs[i]], "zh", "en")]
    assert texts == ["Sun Wukong (Monkey King) laughed.", "Sun Wukong laughed.", "Sun Wukong laughed."]
    # A resumed job seeds the set from what it already finished: no second gloss.
    done = [Translation("0", "孙悟空笑了。", texts[0], "x")]
    resumed = GlossaryEnforcer(glossary, engine, mentions=first_mentions(glossary, done, "en"))
    assert resumed.translate([segs[1]], "zh", "en")[0].text == "Sun Wukong laughed."
    fresh = GlossaryEnforcer(glossary, engine, mentions=first_mentions(glossary, [], "en"))
    assert fresh.translate([segs[1]], "zh", "en")[0].text == "Sun Wukong (Monkey King) laughed."
