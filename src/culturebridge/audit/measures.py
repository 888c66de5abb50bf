"""Pure measures over answers: choice distributions, 1 - Jensen-Shannon distance, correctness.

Similarity of two answer distributions is 1 - JSD with the base-2 Jensen-Shannon distance
(the square root of the divergence), so it lies in [0, 1] - the GlobalOpinionQA measure
(Durmus et al. 2023, "Towards Measuring the Representation of Subjective Global Opinions").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from culturebridge.audit.language import to_simplified


def distribution(choices: Iterable[int | None], n_options: int) -> list[float] | None:
    """Share of each option among the parsed choices; None when no sample chose anything."""
    counts = [0] * n_options
    for c in choices:
        if c is not None and 0 <= c < n_options:
            counts[c] += 1
    total = sum(counts)
    return [c / total for c in counts] if total else None


def js_distance(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen-Shannon distance, base 2 (in [0, 1])."""
    m = [(a + b) / 2 for a, b in zip(p, q)]

    def kl(x: Sequence[float]) -> float:
        return sum(a * math.log2(a / b) for a, b in zip(x, m) if a > 0)

    divergence = max(0.0, (kl(p) + kl(q)) / 2)
    return min(1.0, math.sqrt(divergence))


def similarity(p: Sequence[float], q: Sequence[float]) -> float:
    """1 - Jensen-Shannon distance: 1 for identical distributions, 0 for disjoint ones."""
    return 1.0 - js_distance(p, q)


def pooled(dists: Iterable[Sequence[float]]) -> list[float] | None:
    """The mean of several distributions (the row consensus a cell is compared against)."""
    rows = list(dists)
    if not rows:
        return None
    return [sum(col) / len(rows) for col in zip(*rows)]


def _norm(text: str, language: str) -> str:
    text = to_simplified(text) if language == "zh-Hant" else text
    return re.sub(r"\s+", " ", text.casefold())


def correctness(answer: str, facts: Sequence[str], language: str) -> float:
    """Share of expected facts the answer states; a fact 'a|b' is met by either spelling."""
    if not facts:
        return 0.0
    text = _norm(answer, language)
    met = sum(1 for fact in facts if any(_norm(alt, language).strip() in text for alt in fact.split("|") if alt.strip()))
    return met / len(facts)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
