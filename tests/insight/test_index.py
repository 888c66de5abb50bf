"""The index's normalisation and intervals: fixed goalposts, the BCa interval, methodology versions."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import numpy as np
import pytest
import yaml

from culturebridge.errors import ConfigurationError
from culturebridge.insight import compute_index, load
from culturebridge.insight._tables import COUNTERS
from culturebridge.insight.index import bca
from culturebridge.insight.methodology import parse
from culturebridge.insight.rollup import BUCKETS

COL = {c: i for i, c in enumerate(COUNTERS)}


def _market(rng: np.random.Generator, viewers: int, completion: float, like: float) -> np.ndarray:
    out = np.zeros((BUCKETS, len(COUNTERS)))
    bucket = rng.integers(0, BUCKETS, viewers)
    views = 1 + rng.poisson(1.0, viewers)
    per = {"viewers": np.ones(viewers), "views": views, "completed": rng.binomial(views, completion),
           "likes": rng.binomial(views, like), "shares": rng.binomial(views, 0.03),
           "follows": rng.binomial(views, 0.01), "returners": rng.binomial(1, 0.3, viewers)}
    per["watch_sum"] = per["completed"] + 0.4 * (views - per["completed"])
    for name, values in per.items():
        out[:, COL[name]] = np.bincount(bucket, weights=values.astype(float), minlength=BUCKETS)
    return out


def test_goalposts_score_a_market_without_reference_to_the_others() -> None:
    rng = np.random.default_rng(7)
    method = replace(load(), bootstrap=50, monte_carlo=50)
    assert method.version == "1.1" and method.normalisation == "goalposts"
    a, b, c = _market(rng, 900, 0.7, 0.2), _market(rng, 700, 0.5, 0.1), _market(rng, 500, 0.2, 0.02)
    two = {m.market: m for m in compute_index({"AA/en": a, "BB/en": b}, method).markets}
    three = {m.market: m for m in compute_index({"AA/en": a, "BB/en": b, "CC/en": c}, method).markets}
    assert two["AA/en"].index is not None and three["AA/en"].index is not None
    assert two["AA/en"].index.value == pytest.approx(three["AA/en"].index.value)
    assert [three[m].rank for m in ("AA/en", "BB/en", "CC/en")] == [1, 2, 3]
    for m in three.values():
        assert m.index is not None and m.index.low <= m.index.value <= m.index.high
    # Under 1.0's min-max, adding a market moves the others' scores.
    v10 = replace(load("1.0"), bootstrap=50, monte_carlo=50)
    old_two = {m.market: m for m in compute_index({"AA/en": a, "BB/en": b}, v10).markets}
    old_three = {m.market: m for m in compute_index({"AA/en": a, "BB/en": b, "CC/en": c}, v10).markets}
    assert old_two["BB/en"].index is not None and old_three["BB/en"].index is not None
    assert old_two["BB/en"].index.value != pytest.approx(old_three["BB/en"].index.value)


def test_bca_matches_percentile_without_bias_or_skew_and_shifts_with_bias() -> None:
    rng = np.random.default_rng(1)
    boot = rng.normal(10.0, 1.0, 20_000)
    jack = np.linspace(-1.0, 1.0, 201)  # symmetric: no acceleration
    plain = bca(10.0, boot, jack, 0.025)
    assert plain.low == pytest.approx(np.quantile(boot, 0.025), abs=0.05)
    assert plain.high == pytest.approx(np.quantile(boot, 0.975), abs=0.05)
    shifted = bca(10.5, boot, jack, 0.025)  # replicates mostly below the estimate: interval moves up
    assert shifted.low > plain.low and shifted.high > plain.high
    flat = bca(3.0, np.full(100, 3.0), jack, 0.025)
    assert (flat.low, flat.high) == (3.0, 3.0)


def test_goalposts_must_cover_every_indicator() -> None:
    data = yaml.safe_load((resources.files("culturebridge.insight") / "data" / "methodology-1.1.yaml").read_text())
    del data["subindices"]["reach"]["indicators"]["unique_viewers"]["goalposts"]
    with pytest.raises(ConfigurationError, match="goalposts"):
        parse(data)
    data["subindices"]["reach"]["indicators"]["unique_viewers"]["goalposts"] = [3, 1]
    with pytest.raises(ConfigurationError, match="low < high"):
        parse(data)
