from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.feed.simulator import SimConfig, compare, simulate

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
