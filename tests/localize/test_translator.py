from __future__ import annotations

from collections.abc import Sequence

from culturebridge.localize.dictionary_engine import DictionaryTranslator
from culturebridge.localize.glossary import Glossary
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
    engine = ScriptedEngine({"⟦0⟧笑了。": ["Someone laughed."]})
    out = GlossaryEnforcer(glossary, engine).translate([Segment("1", "孙悟空笑了。")], "zh", "en")
    assert [i.check for i in out[0].issues] == ["glossary"]


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
