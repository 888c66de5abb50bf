"""Build a `FeedModel` snapshot from a data set, a factor model and optional content vectors.

This is where training output meets serving: CF item vectors go into an HNSW index, the
content vectors into a second one, a ridge map from content to CF space is fitted so new
items can be placed, and per-market popularity is counted from the interactions.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidInput
from culturebridge.feed.content import ContentModel, fit_content_to_factors
from culturebridge.feed.dataset import Dataset, IntArray
from culturebridge.feed.explore import ThompsonExplorer
from culturebridge.feed.index import AnnIndex
from culturebridge.feed.models import FactorModel, fit_popularity
from culturebridge.feed.serving import FeedModel, ServeConfig


def build_feed_model(
    dataset: Dataset,
    factors: FactorModel,
    content: ContentModel | None = None,
    config: ServeConfig | None = None,
    explorer: ThompsonExplorer | None = None,
    seed: int = 0,
) -> FeedModel:
    """Snapshot for serving `dataset`'s users and items; reuse `explorer` to keep its learning."""
    config = config or ServeConfig()
    inter = dataset.interactions
    if factors.item_factors.shape[0] != inter.n_items:
        raise InvalidInput(
            f"factor model has {factors.item_factors.shape[0]} items, data set {inter.n_items}",
            hint="fit the factor model on this data set",
        )
    if content is not None and content.n_items != inter.n_items:
        raise InvalidInput(f"content model has {content.n_items} items, data set {inter.n_items}")
    csr = inter.to_csr()
    histories: dict[str, IntArray] = {
        u: np.asarray(csr[i].indices, dtype=np.int64) for i, u in enumerate(inter.user_ids)
    }
    user_vectors: dict[str, npt.NDArray[np.float32]] = {}
    if factors.user_factors.shape[0] == inter.n_users:
        user_vectors = {u: factors.user_factors[i] for i, u in enumerate(inter.user_ids)}
    pop = fit_popularity(inter, dataset.user_markets)
    markets = dataset.markets()
    categories = dataset.items.category_matrix()
    if explorer is None:
        explorer = ThompsonExplorer(categories, markets, markets, config.explore, seed=seed)
    item_vectors = np.ascontiguousarray(factors.item_factors, dtype=np.float32)
    content_vectors = content_index = mapping = None
    if content is not None:
        content_vectors = content.vectors
        content_index = AnnIndex.build(content.vectors)
        mapping = fit_content_to_factors(content.vectors, item_vectors)
    return FeedModel(
        item_ids=inter.item_ids,
        item_vectors=item_vectors,
        item_index=AnnIndex.build(item_vectors),
        categories=categories,
        creators=dataset.items.creators,
        market_popularity=pop.market_counts,
        histories=histories,
        explorer=explorer,
        config=config,
        content_vectors=content_vectors,
        content_index=content_index,
        content_to_factors=mapping,
        user_vectors=user_vectors,
    )
