from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.review import cohen_kappa, kappa_of_reviews


def test_kappa_known_values() -> None:
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    # Worked example: 20 items, p_o = 0.7, p_e = 0.5 -> kappa 0.4.
    first = ["y"] * 10 + ["n"] * 10
    second = ["y"] * 7 + ["n"] * 3 + ["y"] * 3 + ["n"] * 7
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    assert cohen_kappa(["pass", "reject"], ["reject", "pass"]) == pytest.approx(-1.0)
    assert cohen_kappa(["pass"] * 3, ["pass"] * 3) == 1.0


def test_kappa_bad_input() -> None:
    with pytest.raises(InvalidInput):
        cohen_kappa(["a"], [])
    with pytest.raises(InvalidInput):
        cohen_kappa([], [])
    with pytest.raises(InvalidInput, match="two reviewers"):
        kappa_of_reviews([("i1", "ann", "pass")])


def test_kappa_of_reviews_uses_only_double_reviewed_items() -> None:
    rows = [("i1", "ann", "pass"), ("i1", "bo", "pass"), ("i2", "ann", "reject"), ("i2", "bo", "review"),
            ("i3", "ann", "pass")]
    kappa, n = kappa_of_reviews(rows)
    assert n == 2
    assert kappa == pytest.approx(cohen_kappa(["pass", "reject"], ["pass", "review"]))
