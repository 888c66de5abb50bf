from __future__ import annotations

import numpy as np
import pytest

from culturebridge.errors import InvalidInput
from culturebridge.feed.content import (
    ContentModel,
    UsemEncoder,
    fit_content,
    fit_content_to_factors,
    item_texts,
    normalise,
)

TEXTS = [
    "The Monkey King rebels against heaven",
    "美猴王大闹天宫",
    "How to brew oolong tea in a clay pot",
    "",
]


@pytest.fixture(scope="module")
def encoder() -> UsemEncoder:
    return UsemEncoder(threads=1)


def test_usem_encodes_across_languages(encoder: UsemEncoder) -> None:
    v = encoder.encode(TEXTS)
    assert v.shape == (4, 512)
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-4)
    assert not np.any(v[3])  # empty text -> zero vector
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.1


def test_new_item_is_scored_from_content_alone(encoder: UsemEncoder) -> None:
    model = fit_content(
        encoder, item_texts(["Journey to the West", "Tea ceremony"], [["myth"], ["tea"]])
    )
    model = model.with_items(encoder.encode(["孙悟空西游记"]))
    scores = model.score(np.asarray([0]))
    assert scores.shape == (3,)
    assert scores[2] > scores[1]


def test_with_items_rejects_wrong_dimension() -> None:
    model = ContentModel(normalise(np.eye(3, dtype=np.float32)))
    with pytest.raises(InvalidInput):
        model.with_items(np.ones((1, 4), dtype=np.float32))


def test_content_to_factors_maps_onto_the_cf_space() -> None:
    rng = np.random.default_rng(0)
    content = normalise(rng.normal(size=(200, 16)))
    true_w = rng.normal(size=(16, 4))
    factors = (content @ true_w).astype(np.float32)
    mapping = fit_content_to_factors(content, factors, regularization=1e-3)
    assert np.allclose(mapping.predict(content[:5]), factors[:5], atol=1e-2)
