from __future__ import annotations

import numpy as np
import pytest

from culturebridge.errors import InvalidInput
from culturebridge.feed.index import AnnIndex


def test_hnsw_recall_against_brute_force() -> None:
    rng = np.random.default_rng(0)
    items = rng.normal(size=(3000, 16)).astype(np.float32)
    index = AnnIndex.build(items)
    recalls = []
    for q in rng.normal(size=(20, 16)).astype(np.float32):
        exact = set(np.argsort(-(items @ q))[:10].tolist())
        labels, scores = index.query(q, 10)
        recalls.append(len(exact & set(labels.tolist())) / 10)
        assert np.allclose(scores, items[labels] @ q, atol=1e-3)
    assert np.mean(recalls) >= 0.9


def test_add_grows_the_index_and_new_items_are_found() -> None:
    index = AnnIndex.build(np.eye(4, dtype=np.float32))
    extra = np.zeros((100, 4), dtype=np.float32)
    extra[:, 0] = 0.1
    extra[7] = [0.0, 0.0, 0.0, 5.0]
    index.add(extra, np.arange(4, 104, dtype=np.int64))
    assert len(index) == 104
    labels, _ = index.query(np.asarray([0, 0, 0, 1], dtype=np.float32), 1)
    assert labels.tolist() == [11]


def test_zero_query_and_bad_vectors() -> None:
    index = AnnIndex.build(np.eye(4, dtype=np.float32))
    assert index.query(np.zeros(4, dtype=np.float32), 3)[0].size == 0
    with pytest.raises(InvalidInput):
        index.add(np.ones((2, 3), dtype=np.float32), np.arange(2, dtype=np.int64))
    with pytest.raises(InvalidInput):
        index.add(np.full((1, 4), np.nan, dtype=np.float32), np.arange(1, dtype=np.int64))
    with pytest.raises(InvalidInput):
        AnnIndex.build(np.ones(4, dtype=np.float32))
