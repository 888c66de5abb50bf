from __future__ import annotations

import threading

import numpy as np
import pytest

from culturebridge.errors import InvalidFeedRequest, InvalidInput, UnknownMarket
from culturebridge.feed.builder import build_feed_model
from culturebridge.feed.content import ContentModel, normalise
from culturebridge.feed.dataset import Dataset
from culturebridge.feed.explore import ExploreConfig
from culturebridge.feed.models import fit_als
from culturebridge.feed.rerank import has_adjacent_creator
from culturebridge.feed.serving import FeedHolder, FeedModel, ServeConfig, serve


def content_for(ds: Dataset, seed: int = 0) -> ContentModel:
    """Content vectors that encode the category (as a text embedding of a synopsis would)."""
    rng = np.random.default_rng(seed)
    cats = ds.items.category_matrix()
    return ContentModel(normalise(np.hstack([cats, 0.1 * rng.normal(size=(cats.shape[0], 4))])))


def build(ds: Dataset, config: ServeConfig | None = None) -> FeedModel:
    return build_feed_model(
        ds,
        fit_als(ds.interactions.to_csr(), factors=8, regularization=1.0, iterations=10),
        content_for(ds),
        config or ServeConfig(),
    )


def test_serve_returns_unseen_slots_with_reasons(dataset: Dataset) -> None:
    model = build(dataset)
    user = dataset.interactions.user_ids[4]
    slots = serve(model, user, "US", 10, np.random.default_rng(0))
    assert len(slots) == 10
    items = [s.item for s in slots]
    assert len(set(items)) == 10
    assert not set(items) & set(model.histories[user].tolist())
    assert {s.reason for s in slots} <= {"personal", "popular", "similar", "exploration"}
    assert sum(s.reason == "exploration" for s in slots) == 1
    assert not has_adjacent_creator(np.asarray(items), model.creators)
    # The exploration slot shows a category the viewer has never engaged with.
    cats = model.categories
    engaged = cats[model.histories[user]].sum(axis=0) > 0
    explored = next(s.item for s in slots if s.reason == "exploration")
    assert not cats[explored][engaged].any()


def test_unknown_user_takes_the_cold_start_path(dataset: Dataset) -> None:
    model = build(dataset)
    slots = serve(model, "somebody-new", "FR", 5)
    assert len(slots) == 5
    assert {s.reason for s in slots} <= {"popular", "exploration"}


def test_new_user_fold_in_without_retraining(dataset: Dataset) -> None:
    model = build(dataset, ServeConfig(explore=ExploreConfig(share=0.0)))
    tea = [i for i in range(len(model.item_ids)) if dataset.items.categories[i] == ("tea",)]
    folded = model.with_user("newcomer", tea[:4])
    slots = serve(folded, "newcomer", "JP", 3)
    assert all(dataset.items.categories[s.item] == ("tea",) for s in slots)
    assert "newcomer" not in model.histories  # the old snapshot is unchanged
    with pytest.raises(InvalidInput):
        model.with_user("x", [10_000])


def test_new_item_is_served_before_any_interaction(dataset: Dataset) -> None:
    # No diversity re-ranking here: DPP would rightly space out three near-identical operas.
    model = build(dataset, ServeConfig(explore=ExploreConfig(share=0.0), diversity="none"))
    cats = np.zeros((1, model.categories.shape[1]))
    cats[0, list(dataset.items.category_names()).index("opera")] = 1.0
    content = np.hstack([cats, np.zeros((1, 4))]).astype(np.float32)
    grown = model.with_items(["brand-new-opera"], content, cats, ["new-creator"])
    new = len(grown.item_ids) - 1
    opera_fan = next(
        u
        for u, h in grown.histories.items()
        if all(dataset.items.categories[i] == ("opera",) for i in h.tolist())
    )
    slots = serve(grown, opera_fan, "US", 5)
    assert new in [s.item for s in slots]
    assert all(s.item < len(model.item_ids) for s in serve(model, opera_fan, "US", 5))
    with pytest.raises(InvalidInput):
        grown.with_items(["brand-new-opera"], content, cats, ["x"])


@pytest.mark.parametrize("n", [0, -3, 10_000])
def test_bad_slot_counts_are_clear_errors(dataset: Dataset, n: int) -> None:
    model = build(dataset)
    with pytest.raises(InvalidFeedRequest):
        serve(model, "u1", "US", n)


def test_unknown_market_is_a_clear_error(dataset: Dataset) -> None:
    with pytest.raises(UnknownMarket) as err:
        serve(build(dataset), "u1", "Mars", 5)
    assert "US" in err.value.diagnostic()


def test_holder_swaps_snapshots_under_concurrent_serving(dataset: Dataset) -> None:
    first = build(dataset)
    second = build(dataset, ServeConfig(diversity="mmr"))
    holder = FeedHolder(first)
    errors: list[BaseException] = []
    served: list[int] = []

    def reader() -> None:
        try:
            for _ in range(50):
                served.append(len(holder.serve("u3", "US", 5)))
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(20):
        holder.swap(second if holder.model is first else first)
    for t in threads:
        t.join()
    assert not errors and served == [5] * 150
    assert holder.swap(first) in (first, second)
