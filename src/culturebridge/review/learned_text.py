"""The character n-gram part of the learned referral signal.

The wording-free features of `learned_features.py` measure distances to the canon card;
they cannot tell "sells out his sworn brother" from "stands by his sworn brother" when the
encoder puts the two sentences close together. This part reads the wording itself: the
text, folded (NFKC, traditional to simplified, lowercase), cut into character n-grams
(one to six characters for the bundled weights; the weights file says which), weighted by
sublinear TF-IDF and scaled to unit length, as scikit-learn's
`TfidfVectorizer(sublinear_tf=True)` does, then dotted with the weights fitted together with
the other features by `bench/review_learned.py`. Character n-grams need no word
segmentation, so Chinese, English and code-switched text share one model.

The weights were fitted on development cases from several independent writers; its
figures are measured leaving one writer out (see the weights file's `fitted` entry).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from culturebridge.review._matching import fold, word_spans

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, traditional to simplified, lowercase, runs of whitespace as one space."""
    return _SPACES.sub(" ", fold(unicodedata.normalize("NFKC", text)))


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Every character n-gram of the normalised text, for n from `low` to `high`."""
    t = normalise(text)
    return [t[i:i + n] for n in range(low, high + 1) for i in range(len(t) - n + 1)]


@dataclass(frozen=True)
class NgramWeights:
    """Per n-gram inverse document frequency and logistic-regression weight."""

    low: int
    high: int
    idf: Mapping[str, float]
    coef: Mapping[str, float]

    def terms(self, text: str) -> dict[str, float]:
        """The text's unit-length TF-IDF vector over the known n-grams."""
        idf = self.idf
        # Count every n-gram (Counter's C loop), then keep the known ones: cheaper than testing
        # each occurrence, as most n-grams of a text occur once.
        counts = Counter(char_ngrams(text, self.low, self.high))
        raw = {g: (1.0 + math.log(c)) * idf[g] for g, c in counts.items() if g in idf}
        norm = math.sqrt(sum(v * v for v in raw.values()))
        return {g: v / norm for g, v in raw.items()} if norm > 0 else {}

    def _read(self, text: str, terms: Mapping[str, float] | None) -> Mapping[str, float]:
        """`terms` when given (models that share this vocabulary and idf read a text once), else the text's."""
        return self.terms(text) if terms is None else terms

    def contributions(self, text: str, terms: Mapping[str, float] | None = None) -> dict[str, float]:
        """Each n-gram's term in the logit; `terms`, when given, is the text's `terms`."""
        return {g: v * self.coef.get(g, 0.0) for g, v in self._read(text, terms).items()}

    def logit(self, text: str, terms: Mapping[str, float] | None = None) -> float:
        """The n-grams' share of the logit (the sum of `contributions`, without building it)."""
        coef = self.coef
        return sum(v * coef.get(g, 0.0) for g, v in self._read(text, terms).items())

    def word_contributions(self, text: str, terms: Mapping[str, float] | None = None) -> dict[str, float]:
        """The n-grams' logit shared out over the words of the normalised text (jieba's words,
        which are whole words in English too): each occurrence of an n-gram gives its share
        to the words it overlaps, in proportion to the overlap. What a reviewer can read,
        where the n-grams themselves are often word fragments."""
        t = normalise(text)
        weights = self.contributions(text, terms)
        counts = Counter(g for g in char_ngrams(text, self.low, self.high) if g in weights)
        per_char = [0.0] * len(t)
        for n in range(self.low, self.high + 1):
            for i in range(len(t) - n + 1):
                gram = t[i:i + n]
                if gram in weights:
                    share = weights[gram] / counts[gram] / n
                    for j in range(i, i + n):
                        per_char[j] += share
        out: dict[str, float] = {}
        for word, start, end in word_spans(t):
            if any(c.isalnum() for c in word):
                out[word] = out.get(word, 0.0) + sum(per_char[start:end])
        return out
