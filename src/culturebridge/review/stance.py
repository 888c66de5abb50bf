"""The text's own stance on what it reports: a scene it says is the original's, a claim it refutes.

A comment, appeal or note about an adaptation often names a violation in order to deny it
("有人说黑旋风出卖宋江？其实是误会", "some viewers claim Chen Yan sabotages the garden; he
isn't") or retells a harsh canon scene and says so ("此段出自原著", "it's straight from the
novel"). The lexical checks see the violation's words and reject; the sentence that frames
them is out of their reach. This check reads that frame: when a short text carries a marker
of canon attribution or refutation it emits a `findings.DOUBT`, and the decision sends the
rejects of the checks before it on that text to the human desk (NRTA 2026 AI-alteration
campaign: the departure has to be the adaptation's, which a human can judge from the
quoted marker). It never passes an item: what the rules refer stays referred, and a text
that only claims faithfulness still meets a reviewer.

The markers are phrases, not topics, so they do not depend on the IP. Markers that also
open a critique are left out: "原著根本没有这些" (the original has none of this) blames the
adaptation, so a bare "根本没有" or "完全没有" is not a refutation here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from culturebridge.review._matching import Match, PhraseIndex, fold, sentences
from culturebridge.review.check import CheckContext, Params
from culturebridge.review.findings import DOUBT, Finding, span_evidence

NAME = "stance"
# A marker's stance covers a short comment or note, not a chapter with one such sentence in it.
MAX_SENTENCES = 8
_CANON = {
    "zh": ("原著就是这样写", "原著就是这么写", "原著里就是这样", "原著本来就", "原著中本来就", "书里本来就",
           "原著名场面", "出自原著", "照原著", "照搬原著", "并非ai自行", "不是ai加的", "不是ai乱编", "没加料",
           "原文就是这样"),
    "en": ("straight from the novel", "straight from the book", "straight out of the novel",
           "straight out of the book", "the novel itself", "the book itself", "true to the novel",
           "true to the book", "as in the novel", "as in the book", "exactly as the novel", "exactly as the book",
           "it's canon", "it is canon", "this is canon", "that's canon", "the original novel has",
           "in the original novel"),
}
_REFUTE = {
    "zh": ("其实是误会", "是个误会", "没有啦", "纯属谣言", "是谣言", "辟谣", "假消息", "不实传言", "并不是这样",
           "不是这样的"),
    "en": ("confirms the opposite", "the opposite is true", "that's not true", "that is not true", "is a rumour",
           "is a rumor", "misinformation", "debunk", "he isn't", "she isn't", "doesn't happen", "does not happen",
           "never happens"),
}
_WHY = {
    "canon": "the text says the scene is the original's",
    "refute": "the text refutes the claim it reports",
}


class StanceCheck:
    """A doubt on the earlier checks' rejects when a short text attributes or refutes what it reports."""

    name = NAME

    def __init__(self, raw: Mapping[str, Any]) -> None:
        p = Params(NAME, raw)
        self.max_sentences = int(p.number("max_sentences", MAX_SENTENCES, low=1, high=100))
        p.done()
        marked = [(m, "canon") for ms in _CANON.values() for m in ms] + [(m, "refute") for ms in _REFUTE.values() for m in ms]
        # Typed and pasted English has the typographic apostrophe as often as the ASCII one.
        self._markers: PhraseIndex[str] = PhraseIndex(marked + [(m.replace("'", "\u2019"), w) for m, w in marked if "'" in m])

    def run(self, context: CheckContext) -> list[Finding]:
        """One low `doubt` finding quoting the first marker, if an earlier check rejected the text."""
        if not any(f.severity == "high" and f.evidence.field == "text" for f in context.earlier):
            return []
        first = self.marker(context.item.text, context.folded.get("text"))
        if first is None:
            return []
        quote = context.item.text[first.start:first.end]
        return [Finding(NAME, DOUBT, "low", span_evidence(context.item, "text", first.start, first.end),
                        f"{_WHY[first.payload]} ('{quote}'); a human should decide")]

    def marker(self, text: str, folded: str | None = None) -> Match[str] | None:
        """The first marker of canon attribution ("canon") or refutation ("refute") in a text
        of at most `max_sentences` sentences; None otherwise."""
        if len(sentences(text)) > self.max_sentences:
            return None
        found = self._markers.find(fold(text) if folded is None else folded)
        return found[0] if found else None


def build(raw: Mapping[str, Any]) -> StanceCheck:
    return StanceCheck(raw)
