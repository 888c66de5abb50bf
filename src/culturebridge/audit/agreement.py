"""Agreement between judges: Cohen's kappa for two, Fleiss' kappa for two or more.

Cohen (1960): kappa = (p_o - p_e) / (1 - p_e), p_e from each judge's own label frequencies.
Fleiss (1971): P_bar = mean over items of sum_j n_ij (n_ij - 1) / (n (n - 1)); P_e = sum_j p_j^2.
Both are 1.0 when every rating agrees on one label (p_e = 1), by convention.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two equally long label sequences; None when there is nothing to compare."""
    if len(first) != len(second) or not first:
        return None
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    ca, cb = Counter(first), Counter(second)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa over items each rated by the same number (>= 2) of judges; None if not computable."""
    items = [r for r in ratings if len(r) >= 2]
    if not items or len({len(r) for r in items}) != 1:
        return None
    n = len(items[0])
    counts = [Counter(r) for r in items]
    p_bar = sum(sum(c * (c - 1) for c in cnt.values()) / (n * (n - 1)) for cnt in counts) / len(items)
    totals: Counter[str] = Counter()
    for cnt in counts:
        totals.update(cnt)
    p_e = sum((v / (len(items) * n)) ** 2 for v in totals.values())
    if p_e == 1.0:
        return 1.0
    return (p_bar - p_e) / (1.0 - p_e)
