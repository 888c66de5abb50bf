from __future__ import annotations

import numpy as np
import pytest

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.dataset import Dataset, from_rows
from culturebridge.feed.models import fit_als, fit_bpr, fit_ease, fit_model, fit_popularity


def test_popularity_counts_overall_and_per_market(dataset: Dataset) -> None:
    pop = fit_popularity(dataset.interactions, dataset.user_markets)
    assert pop.counts.sum() == len(dataset.interactions)
    assert set(pop.market_counts) == set(dataset.markets())
    assert sum(c.sum() for c in pop.market_counts.values()) == len(dataset.interactions)
    us = pop.score(np.zeros(0, dtype=np.int64), "US")
    assert int(np.argmax(us)) == int(np.argmax(pop.market_counts["US"]))


def test_ease_scores_cooccurring_items_highest() -> None:
    rows = [(f"u{u}", it, 1.0, 0.0) for u in range(20) for it in ("a", "b")]
    rows += [(f"v{u}", it, 1.0, 0.0) for u in range(20) for it in ("c", "d")]
    inter = from_rows(rows)
    ease = fit_ease(inter.to_csr(), regularization=1.0)
    scores = ease.score(np.asarray([inter.item_ids.index("a")]))
    assert int(np.argmax(scores)) == inter.item_ids.index("b")
    assert np.allclose(np.diag(ease.weights), 0.0)


def test_ease_folds_in_a_new_user_like_the_batch_scores(dataset: Dataset) -> None:
    x = dataset.interactions.to_csr()
    ease = fit_ease(x, regularization=10.0)
    batch = ease.score_matrix(x)
    assert np.allclose(ease.score(x[5].indices), batch[5])


def test_als_fold_in_recovers_the_users_preferences(dataset: Dataset) -> None:
    x = dataset.interactions.to_csr()
    als = fit_als(x, factors=8, iterations=15)
    history = x[2].indices
    scores = als.score(history)
    scores[history] = -np.inf
    cats = dataset.items.category_matrix()
    liked = cats[history].sum(axis=0) > 0
    top = np.argsort(-scores)[:2]  # the user has two unseen items in their category
    assert all(cats[i][liked].any() for i in top)
    assert als.user_vector(np.zeros(0, dtype=np.int64)).shape == (8,)
    assert not np.any(als.user_vector(np.zeros(0, dtype=np.int64)))


def test_new_item_fold_in_lands_near_its_audience(dataset: Dataset) -> None:
    x = dataset.interactions.to_csr()
    als = fit_als(x, factors=8, iterations=15)
    audience = np.flatnonzero(np.asarray(x[:, 0].todense()).ravel())
    v = als.item_vector(audience)
    fans = als.user_factors[audience] @ v
    others = np.delete(als.user_factors, audience, axis=0) @ v
    assert fans.mean() > others.mean()


def test_bpr_fits_and_scores_every_item(dataset: Dataset) -> None:
    bpr = fit_bpr(dataset.interactions.to_csr(), factors=8, iterations=5)
    assert bpr.score_matrix(dataset.interactions.to_csr()).shape == (
        dataset.interactions.n_users,
        dataset.interactions.n_items,
    )


def test_unknown_model_name_is_rejected(dataset: Dataset) -> None:
    with pytest.raises(InvalidFeedRequest):
        fit_model("lightgcn", dataset.interactions)


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"}


def test_fitting_leaves_blas_limited_to_one_thread(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fit must not restore a multi-threaded BLAS behind a request still serving (or a fit running)."""
    from threadpoolctl import threadpool_limits

    from culturebridge.feed import models

    if not _blas_threads():
        pytest.skip("no BLAS library loaded")
    monkeypatch.setattr(models, "_blas_limited", False, raising=False)
    threadpool_limits(limits=2, user_api="blas")  # as a fresh process with two CPUs starts
    try:
        fit_als(dataset.interactions.to_csr(), factors=4, iterations=2)
        assert _blas_threads() == {1}
    finally:
        models.one_blas_thread()
        threadpool_limits(limits=1, user_api="blas")


def test_a_serving_thread_that_limits_blas_does_not_keep_other_threads_from_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """threadpoolctl lets only the thread that set OpenBLAS's limit set it again while it lives.

    A serving pool's thread limited BLAS first and lived on, so a later fit on another thread
    could not limit a BLAS library loaded since, and `implicit` warned (an error under pytest).
    """
    from concurrent.futures import ThreadPoolExecutor

    import threadpoolctl
    from threadpoolctl import threadpool_limits

    from culturebridge.feed import models

    if not _blas_threads():
        pytest.skip("no BLAS library loaded")
    monkeypatch.setattr(models, "_blas_limited", False)
    threadpoolctl.OpenBLASController.clear_controlling_thread(force=True)  # as in a fresh process
    with ThreadPoolExecutor(1) as serving:
        serving.submit(models.one_blas_thread).result()  # the thread lives on until the pool closes
        assert _blas_threads() == {1}
        try:
            threadpool_limits(limits=2, user_api="blas")
            assert _blas_threads() == {2}, "another thread could not set the BLAS limit"
        finally:
            threadpool_limits(limits=1, user_api="blas")
            models._limit_blas()
