from __future__ import annotations

import itertools

import numpy as np
import pytest

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.ranking import BlendWeights, blend, compose, explore_positions


def test_blend_sums_weighted_zscores_and_names_the_main_source() -> None:
    personal = np.asarray([3.0, 1.0, 0.0, 0.0])
    popular = np.asarray([0.0, 0.0, 10.0, 0.0])
    scores, reasons = blend({"personal": personal, "popular": popular}, BlendWeights(popular=1.0))
    assert reasons[0] == "personal" and reasons[2] == "popular"
    assert scores.shape == (4,)
    with pytest.raises(InvalidFeedRequest):
        blend({"personal": personal, "popular": popular[:2]}, BlendWeights())
    with pytest.raises(InvalidFeedRequest):
        blend({}, BlendWeights())


def test_explore_positions_start_from_the_end() -> None:
    assert explore_positions(10, 1) == [9]
    assert explore_positions(10, 2) == [4, 9]
    assert explore_positions(10, 0) == []


def test_compose_places_exploration_and_keeps_reasons() -> None:
    cands = np.arange(20, dtype=np.int64)
    scores = -np.arange(20, dtype=np.float64)
    slots = compose(cands, scores, ["personal"] * 20, 10, exploration=np.asarray([15]))
    assert [s.item for s in slots][:9] == list(range(9))
    assert slots[9].item == 15 and slots[9].reason == "exploration"
    assert len({s.item for s in slots}) == 10


def test_compose_separates_creators_and_rejects_bad_n() -> None:
    cands = np.arange(6, dtype=np.int64)
    creators = ["a", "a", "a", "b", "b", "c"]
    slots = compose(cands, -cands.astype(np.float64), ["personal"] * 6, 6, creators=creators)
    names = [creators[s.item] for s in slots]
    assert all(x != y for x, y in itertools.pairwise(names))
    with pytest.raises(InvalidFeedRequest):
        compose(cands, -cands.astype(np.float64), ["personal"] * 6, 0)
