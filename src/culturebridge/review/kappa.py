"""Agreement between two human reviewers on double-reviewed items (Cohen's kappa).

kappa = (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e the agreement
expected by chance from each reviewer's own label frequencies (Cohen 1960).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from culturebridge.errors import InvalidInput


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two equally long label sequences; 1.0 when both agree on one label."""
    if len(first) != len(second):
        raise InvalidInput(f"kappa needs paired labels: got {len(first)} and {len(second)}")
    if not first:
        raise InvalidInput("kappa needs at least one double-reviewed item")
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0  # both reviewers used one and the same label throughout: perfect agreement
    return (observed - expected) / (1.0 - expected)


def kappa_of_reviews(reviews: Iterable[tuple[str, str, str]]) -> tuple[float, int]:
    """Kappa over (item_id, reviewer, label) rows, on items with exactly two reviewers; with that count."""
    by_item: dict[str, dict[str, str]] = defaultdict(dict)
    for item_id, reviewer, label in reviews:
        by_item[item_id][reviewer] = label
    pairs = [tuple(labels.values()) for labels in by_item.values() if len(labels) == 2]
    if not pairs:
        raise InvalidInput("no item was reviewed by exactly two reviewers")
    return cohen_kappa([p[0] for p in pairs], [p[1] for p in pairs]), len(pairs)
