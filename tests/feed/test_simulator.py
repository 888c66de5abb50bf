from __future__ import annotations

from dataclasses import replace

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.feed.simulator import SimConfig, compare, compare_seeds, simulate

SMALL = SimConfig(viewers_per_country=8, n_items=80, n_creators=20, rounds=3, explore_share=0.3)


def test_simulation_is_reproducible_and_bounded() -> None:
    a, b = simulate(SMALL), simulate(SMALL)
    assert a == b
    assert a.viewers == 40
    assert 0 <= a.viewers_following_new_culture <= a.viewers
    assert a.new_follows >= a.viewers_following_new_culture
    assert 0.0 < a.likes_per_slot <= a.views_per_slot <= 1.0
    assert sum(a.breakout_follows_by_country.values()) == a.viewers_following_new_culture


def test_compare_runs_the_same_world_with_and_without_exploration() -> None:
    off, on = compare(SMALL)
    assert off.explore_share == 0.0 and on.explore_share == 0.3
    assert off.viewers == on.viewers


def test_bad_config_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput):
        SimConfig(rounds=0)
    with pytest.raises(InvalidInput):
        SimConfig(chosen=8)


def test_exploration_shows_more_of_the_cultures_viewers_do_not_follow() -> None:
    off, on = compare(SMALL)
    assert on.outside_share > off.outside_share


def test_without_exploration_both_arms_see_the_same_world_and_responses() -> None:
    # Common random numbers: with nothing to explore, the "on" arm is the "off" arm.
    off, on = compare(replace(SMALL, explore_share=0.0))
    assert off == on


def test_compare_seeds_pairs_each_world() -> None:
    small = replace(SMALL, rounds=2)
    summary = compare_seeds(small, (1, 2))
    assert summary.seeds == (1, 2)
    for i, seed in enumerate((1, 2)):  # each world's pair is `compare` of that seed
        off, on = compare(replace(small, seed=seed))
        assert (summary.followers_off[i], summary.followers_on[i]) == (
            off.viewers_following_new_culture, on.viewers_following_new_culture)
        assert summary.gains[i] == on.viewers_following_new_culture - off.viewers_following_new_culture
    with pytest.raises(InvalidInput):
        compare_seeds(SMALL, ())
