"""Named entities an answer mentions, by a simple offline extractor, and their overlap (Jaccard).

Chinese: jieba's part-of-speech tagger, keeping person (nr), place (ns) and other proper
names (nz), two characters or more; Traditional answers are converted to Simplified first so
zh-Hans and zh-Hant answers compare. English: runs of capitalised words not at a sentence
start (or a run of two or more anywhere), minus a stop list. No statistical NER model ships
offline here, so recall is modest and both sides of a comparison use the same extractor.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from culturebridge.audit.language import to_simplified

_LOCK = threading.Lock()
_POSSEG: list[Any] = []
_ZH_TAGS = frozenset({"nr", "ns", "nz", "nrt", "nrfg"})
_EN_SPAN = re.compile(r"(?:[A-Z][\w'’-]*(?:\s+(?:of|the|de|van|von)\s+|\s+))*[A-Z][\w'’-]*")
_EN_STOP = frozenset({
    "The", "A", "An", "I", "It", "This", "That", "These", "Those", "In", "On", "At", "For", "And", "But", "Or",
    "As", "He", "She", "They", "We", "You", "His", "Her", "Their", "Its", "Yes", "No", "However", "While",
    "When", "Many", "Some", "Most", "Today", "During", "After", "Before", "Both", "Each", "One", "If", "Also",
    "There", "Here", "What", "Which", "Who", "Why", "How", "Sorry", "Answer", "Option", "Overall", "Chinese",
})


def _posseg() -> Any:
    with _LOCK:
        if not _POSSEG:
            import logging

            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _POSSEG.append(jieba.posseg)
        return _POSSEG[0]


@lru_cache(maxsize=16384)
def entities(answer: str, language: str) -> frozenset[str]:
    """The entity strings mentioned (normalised: Simplified Chinese, English case-folded); memoised,
    as answers repeat across samples (jieba's tagger costs about 1 ms per Chinese answer)."""
    if language.startswith("zh"):
        text = to_simplified(answer) if language == "zh-Hant" else answer
        posseg = _posseg()
        with _LOCK:  # one tagger shared by the runner's threads
            pairs = [(p.word, p.flag) for p in posseg.cut(text)]
        return frozenset(w for w, flag in pairs if flag in _ZH_TAGS and len(w) >= 2)
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", answer):
        lead = len(sentence) - len(sentence.lstrip(" \t*-•\"'“(0123456789."))
        for m in _EN_SPAN.finditer(sentence):
            words = m.group(0).split()
            if m.start() <= lead and len(words) == 1:
                continue  # a capital that may only mark the sentence start
            while words and words[0] in _EN_STOP:
                words = words[1:]
            if words:
                found.add(" ".join(words).casefold())
    return frozenset(found)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float | None:
    """|A ∩ B| / |A ∪ B|; None when both are empty (nothing to compare)."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else None
