from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.rerank import dpp_greedy, has_adjacent_creator, mmr, separate_creators

# Three near-duplicates of the most relevant item, and two distinct items.
VECTORS = np.asarray(
    [[1, 0, 0], [0.99, 0.1, 0], [0.98, 0.15, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32
)
RELEVANCE = np.asarray([1.0, 0.95, 0.9, 0.6, 0.5])
CANDIDATES = np.arange(5, dtype=np.int64) + 100


@pytest.mark.parametrize("pick", [partial(mmr, trade_off=0.5), dpp_greedy])
def test_diversifiers_skip_near_duplicates(pick: object) -> None:
    chosen = pick(CANDIDATES, RELEVANCE, VECTORS, 3)  # type: ignore[operator]
    assert chosen[0] == 100
    assert set(chosen.tolist()) == {100, 103, 104}


@pytest.mark.parametrize("pick", [mmr, dpp_greedy])
def test_diversifiers_handle_edge_sizes(pick: object) -> None:
    assert pick(CANDIDATES, RELEVANCE, VECTORS, 0).size == 0  # type: ignore[operator]
    assert sorted(pick(CANDIDATES, RELEVANCE, VECTORS, 9).tolist()) == CANDIDATES.tolist()  # type: ignore[operator]
    with pytest.raises(InvalidFeedRequest):
        pick(CANDIDATES, RELEVANCE[:2], VECTORS, 2)  # type: ignore[operator]


def test_mmr_with_full_relevance_weight_is_relevance_order() -> None:
    assert mmr(CANDIDATES, RELEVANCE, VECTORS, 5, trade_off=1.0).tolist() == CANDIDATES.tolist()


def test_dpp_with_pure_relevance_keeps_relevance_order() -> None:
    chosen = dpp_greedy(CANDIDATES, RELEVANCE, np.eye(5, dtype=np.float32), 5)
    assert chosen.tolist() == CANDIDATES.tolist()


def test_separate_creators_keeps_order_when_possible() -> None:
    creators = ["a", "a", "b", "c", "a"]
    out = separate_creators(np.arange(5, dtype=np.int64), creators)
    assert out.tolist() == [0, 2, 1, 3, 4]
    assert not has_adjacent_creator(out, creators)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("abcd"), min_size=1, max_size=30))
def test_separate_creators_breaks_the_rule_only_when_one_creator_is_left(
    creators: list[str],
) -> None:
    order = separate_creators(np.arange(len(creators), dtype=np.int64), creators)
    assert sorted(order.tolist()) == list(range(len(creators)))
    for pos in range(1, len(order)):
        if creators[int(order[pos])] == creators[int(order[pos - 1])]:
            assert len({creators[int(i)] for i in order[pos:]}) == 1
