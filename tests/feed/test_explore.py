from __future__ import annotations

import itertools

import numpy as np
import pytest

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.explore import (
    BudgetPacer,
    ExploreConfig,
    ThompsonExplorer,
    allocate_budget,
    breakout_mask,
    engaged_categories,
    marginal_costs,
)

# Six items over three categories (two each); one segment per market.
CATS = np.repeat(np.eye(3), 2, axis=0)
SEGMENTS = ("US", "FR")


def make(config: ExploreConfig | None = None) -> ThompsonExplorer:
    return ThompsonExplorer(CATS, SEGMENTS, SEGMENTS, config or ExploreConfig(), seed=1)


def test_engaged_and_breakout_masks() -> None:
    engaged = engaged_categories(np.asarray([0, 1]), CATS)
    assert engaged.tolist() == [True, False, False]
    assert breakout_mask(engaged, CATS).tolist() == [False, False, True, True, True, True]
    assert not engaged_categories(np.asarray([0]), CATS, engaged_min=2).any()
    assert not engaged_categories(np.zeros(0, dtype=np.int64), CATS).any()


def test_thompson_learns_which_item_converts_newcomers() -> None:
    ex = make(ExploreConfig(max_item_share=1.0))
    rng = np.random.default_rng(0)
    eligible = np.arange(2, 6, dtype=np.int64)
    for _ in range(300):
        item = int(ex.choose(eligible, "US", "US", 1, rng)[0])
        ex.update(item, "US", bool(rng.random() < (0.6 if item == 4 else 0.05)))
    picks = [int(ex.choose(eligible, "US", "US", 1, rng)[0]) for _ in range(100)]
    assert picks.count(4) > 70
    assert ex.posterior_mean("US")[4] > 0.4
    # The other segment has learned nothing: its posterior is still the prior.
    assert abs(ex.posterior_mean("FR")[4] - 0.5) < 1e-9


def test_category_prior_carries_to_a_sibling_item() -> None:
    ex = make()
    for _ in range(40):
        ex.update(4, "US", True)
    mean = ex.posterior_mean("US")
    assert mean[5] > mean[2]  # 5 shares item 4's category, 2 does not


def test_market_cap_limits_one_items_exposure() -> None:
    ex = make(ExploreConfig(max_item_share=0.3, cap_warmup=10))
    for _ in range(40):
        ex.update(4, "US", True)
    rng = np.random.default_rng(0)
    shown = [
        int(i)
        for _ in range(200)
        for i in ex.choose(np.arange(2, 6, dtype=np.int64), "US", "US", 1, rng)
    ]
    assert shown.count(4) <= 0.3 * len(shown) + 2


def test_extend_adds_arms_for_new_items() -> None:
    ex = make()
    ex.extend(np.asarray([[0.0, 0.0, 1.0]]))
    assert ex.posterior_mean("US").shape == (7,)
    with pytest.raises(InvalidFeedRequest):
        ex.extend(np.ones((1, 4)))


def test_bad_config_and_segment_are_clear_errors() -> None:
    with pytest.raises(InvalidFeedRequest):
        ExploreConfig(share=1.5)
    with pytest.raises(InvalidFeedRequest):
        ExploreConfig(allocation="random")  # type: ignore[arg-type]
    with pytest.raises(InvalidFeedRequest):
        make().choose(np.arange(2, dtype=np.int64), "XX", "US", 1)


def test_slots_rounds_share_of_feed() -> None:
    assert ExploreConfig(share=0.1).slots(10) == 1
    assert ExploreConfig(share=0.1).slots(3) == 1
    assert ExploreConfig(share=0.25).slots(20) == 5
    assert ExploreConfig(share=0.0).slots(10) == 0


def test_allocate_budget_matches_brute_force() -> None:
    rng = np.random.default_rng(4)
    costs = [np.sort(rng.random(3)) for _ in range(4)]
    for budget in range(9):
        slots = allocate_budget(costs, budget)
        assert sum(slots) == budget
        got = sum(costs[u][: slots[u]].sum() for u in range(4))
        best = min(
            sum(costs[u][: s[u]].sum() for u in range(4))
            for s in itertools.product(range(4), repeat=4)
            if sum(s) == budget
        )
        assert got == pytest.approx(best)


def test_marginal_costs_rise_and_stop_where_candidates_run_out() -> None:
    scores = np.asarray([0.9, 0.1, 0.5, 0.3, 0.7])
    costs = marginal_costs(scores, 5, history_size=9, max_slots=3)
    assert costs.shape == (3,) and np.all(np.diff(costs) >= 0.0)
    # The first exploration slot displaces the 5th-ranked item (score 0.1).
    assert costs[0] == pytest.approx(0.1 / np.log2(6) / (1 + 1 / np.log2(3) + 1 / np.log2(4)))
    assert np.all(marginal_costs(np.zeros(0), 5, 0, 3) == 0.0)  # no personal signal: nothing to lose
    netted = marginal_costs(scores, 5, 9, 3, explore_scores=np.asarray([0.05]))
    assert netted[0] < costs[0] and np.isinf(netted[1:]).all()  # one candidate fills one slot


def test_budget_pacer_spends_the_share_on_the_cheapest_requests() -> None:
    cfg = ExploreConfig(share=0.1, pacing_window=512, pacing_warmup=10)
    pacer = BudgetPacer(cfg)
    rng = np.random.default_rng(3)
    given, levels = [], []
    for _ in range(3000):
        level = rng.random()
        costs = np.sort(level * (1.0 + rng.random(5)))
        given.append(pacer.allocate(costs, 10))
        levels.append(level)
    slots, lv = np.asarray(given), np.asarray(levels)
    assert slots.sum() == pytest.approx(0.1 * 10 * 3000, rel=0.02)
    assert slots[lv < 0.2].mean() > 1.0 > slots[lv > 0.5].mean()
    assert pacer.price is not None


def test_hindsight_allocation_is_for_offline_evaluation_only() -> None:
    ex = make(ExploreConfig(allocation="hindsight"))
    with pytest.raises(InvalidFeedRequest, match="up front"):
        ex.slots_for("US", np.ones(5), 5, 3)
    assert make(ExploreConfig(allocation="uniform", share=0.2)).slots_for("US", np.ones(5), 10, 3) == 2
