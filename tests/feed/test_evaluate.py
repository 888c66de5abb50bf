from __future__ import annotations

import math

import numpy as np
import pytest

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.dataset import Dataset, load_movielens_100k
from culturebridge.feed.evaluate import (
    auc,
    calibration_kl,
    evaluate,
    intra_list_diversity,
    ndcg_at_k,
)
from culturebridge.feed.explore import ExploreConfig


def test_ndcg_by_hand() -> None:
    assert ndcg_at_k(np.asarray([1, 2, 3]), {1, 2, 3}, 3) == pytest.approx(1.0)
    assert ndcg_at_k(np.asarray([9, 1]), {1}, 2) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(np.asarray([9, 8]), {1}, 2) == 0.0
    assert ndcg_at_k(np.asarray([1]), set(), 2) == 0.0


def test_intra_list_diversity_and_calibration() -> None:
    feats = np.asarray([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert intra_list_diversity(np.asarray([0, 1]), feats) == pytest.approx(0.0)
    assert intra_list_diversity(np.asarray([0, 2]), feats) == pytest.approx(1.0)
    assert calibration_kl(np.asarray([0, 2]), np.asarray([1, 2]), feats) == pytest.approx(0.0)
    assert calibration_kl(np.asarray([0, 2]), np.asarray([0, 1]), feats) > 1.0


def test_auc_by_hand() -> None:
    labels = np.asarray([True, True, False, False])
    assert auc(np.asarray([0.9, 0.8, 0.1, 0.2]), labels) == 1.0
    assert auc(np.asarray([0.1, 0.2, 0.9, 0.8]), labels) == 0.0
    assert auc(np.zeros(4), labels) == 0.5
    assert math.isnan(auc(np.zeros(2), np.asarray([True, True])))


def test_evaluate_ranks_a_personal_model_above_popularity(dataset: Dataset) -> None:
    ease = evaluate(dataset, "ease", "msr", k=5)
    pop = evaluate(dataset, "pop", "msr", k=5)
    assert ease.ndcg > pop.ndcg
    d = ease.to_dict()
    assert {
        "ndcg@5",
        "precision@5",
        "recall@5",
        "coverage",
        "diversity",
        "novelty",
        "calibration_kl",
        "breakout_exposure",
        "breakout_conversion",
    } <= set(d)


def test_exploration_buys_breakout_exposure(dataset: Dataset) -> None:
    off = evaluate(dataset, "ease", "msr", k=5)
    on = evaluate(dataset, "ease", "msr", k=5, explore=ExploreConfig(share=0.2))
    assert on.breakout_exposure >= 0.19 > off.breakout_exposure
    budgeted = evaluate(
        dataset, "ease", "msr", k=5, explore=ExploreConfig(share=0.2, allocation="cost_aware")
    )
    assert budgeted.breakout_exposure >= 0.19


def test_time_protocol_serves_cold_users_by_popularity(dataset: Dataset) -> None:
    report = evaluate(dataset, "als", "time", k=5)
    assert report.users > 0 and 0.0 <= report.ndcg <= 1.0


def test_bad_k_is_a_clear_error(dataset: Dataset) -> None:
    with pytest.raises(InvalidFeedRequest):
        evaluate(dataset, "pop", k=0)


def test_movielens_msr_ease_reaches_the_published_bpr_level() -> None:
    # Microsoft Recommenders' benchmark: BPR .442 nDCG@10 under the Microsoft Recommenders protocol.
    ds = load_movielens_100k()
    ease = evaluate(ds, "ease", "msr")
    pop = evaluate(ds, "pop", "msr")
    assert ease.ndcg >= 0.44 and ease.precision >= 0.38
    assert pop.ndcg < 0.3
