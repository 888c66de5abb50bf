"""Serving: the `FeedModel` snapshot, its lock-free holder, and `serve(user, market, n)`.

A `FeedModel` is an immutable snapshot of everything a request needs (item vectors and
their ANN indexes, per-market popularity, histories, categories, creators). Retraining
builds a new snapshot and `FeedHolder.swap` replaces the reference in one assignment
(atomic under the GIL), so a request sees either the old or the new model, never a mix.
The Thompson explorer is the one shared, learning part and is carried across swaps.

New viewers fold in from the history they bring (or none: popularity and exploration);
new items fold in from their content vector (mapped into the CF space), without retraining.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidFeedRequest, InvalidInput, UnknownMarket
from culturebridge.feed.content import ContentToFactors, normalise
from culturebridge.feed.dataset import IntArray
from culturebridge.feed.explore import (
    ExploreConfig,
    ThompsonExplorer,
    breakout_mask,
    engaged_categories,
)
from culturebridge.feed.index import AnnIndex
from culturebridge.feed.ranking import BlendWeights, Diversity, Reason, Slot, blend, compose

MAX_SLOTS = 200


@dataclass(frozen=True)
class ServeConfig:
    """Serving knobs: candidate pool per source, blend weights, diversity, exploration."""

    pool: int = 100
    weights: BlendWeights = field(default_factory=BlendWeights)
    diversity: Diversity = "dpp"
    explore: ExploreConfig = field(default_factory=ExploreConfig)
    explore_pool: int = 50
    regularization: float = 1.0


@dataclass(frozen=True, eq=False)
class FeedModel:
    """An immutable snapshot of the feed: vectors, indexes, popularity, histories."""

    item_ids: tuple[str, ...]
    item_vectors: npt.NDArray[np.float32]
    item_index: AnnIndex
    categories: npt.NDArray[np.float64]
    creators: tuple[str, ...]
    market_popularity: Mapping[str, npt.NDArray[np.float64]]
    histories: Mapping[str, IntArray]
    explorer: ThompsonExplorer
    config: ServeConfig = field(default_factory=ServeConfig)
    content_vectors: npt.NDArray[np.float32] | None = None
    content_index: AnnIndex | None = None
    content_to_factors: ContentToFactors | None = None
    user_vectors: Mapping[str, npt.NDArray[np.float32]] = field(default_factory=dict)
    popular_order: Mapping[str, IntArray] = field(init=False, repr=False)
    fresh_items: Mapping[str, IntArray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.item_ids)
        if (
            self.item_vectors.shape[0] != n
            or self.categories.shape[0] != n
            or len(self.creators) != n
        ):
            raise InvalidInput("feed model arrays disagree on the number of items")
        order = {
            m: np.argsort(-c, kind="stable").astype(np.int64)
            for m, c in self.market_popularity.items()
        }
        object.__setattr__(self, "popular_order", order)
        fresh = {
            m: np.flatnonzero(c == 0).astype(np.int64) for m, c in self.market_popularity.items()
        }
        object.__setattr__(self, "fresh_items", fresh)

    @property
    def markets(self) -> tuple[str, ...]:
        """Markets this snapshot serves."""
        return tuple(sorted(self.market_popularity))

    def user_vector(self, user: str, history: IntArray) -> npt.NDArray[np.float32]:
        """Trained vector of a known viewer, else a ridge fold-in of their history."""
        if user in self.user_vectors:
            return self.user_vectors[user]
        y = self.item_vectors[np.unique(history)].astype(np.float64)
        k = self.item_vectors.shape[1]
        if y.shape[0] == 0:
            return np.zeros(k, dtype=np.float32)
        a = y.T @ y + self.config.regularization * np.eye(k)
        return np.linalg.solve(a, y.sum(axis=0)).astype(np.float32)

    def with_user(self, user: str, history: Sequence[int]) -> FeedModel:
        """A snapshot that knows a new viewer's history (fold-in, no retraining)."""
        h = np.asarray(sorted({int(i) for i in history}), dtype=np.int64)
        if h.size and (h.min() < 0 or h.max() >= len(self.item_ids)):
            raise InvalidInput(f"history of {user!r} names items outside the catalogue")
        histories = dict(self.histories)
        histories[user] = h
        vectors = {u: v for u, v in self.user_vectors.items() if u != user}
        return replace(self, histories=histories, user_vectors=vectors)

    def with_items(
        self,
        item_ids: Sequence[str],
        content: npt.NDArray[np.float32],
        categories: npt.NDArray[np.float64],
        creators: Sequence[str],
    ) -> FeedModel:
        """A snapshot with new items, placed in CF space from their content (cold start)."""
        if (
            self.content_vectors is None
            or self.content_index is None
            or self.content_to_factors is None
        ):
            raise InvalidInput(
                "this feed model has no content vectors", hint="build it with content"
            )
        n_new = len(item_ids)
        if (
            content.shape[0] != n_new
            or categories.shape != (n_new, self.categories.shape[1])
            or len(creators) != n_new
        ):
            raise InvalidInput("new items: ids, content, categories and creators differ in length")
        if set(item_ids) & set(self.item_ids):
            raise InvalidInput("new items repeat existing item ids")
        content = normalise(content)
        cf = self.content_to_factors.predict(content)
        labels = np.arange(len(self.item_ids), len(self.item_ids) + n_new, dtype=np.int64)
        # Indexes are shared with the old snapshot: it ignores labels beyond its catalogue.
        self.item_index.add(cf, labels)
        self.content_index.add(content, labels)
        self.explorer.extend(categories)
        pops = {m: np.concatenate([c, np.zeros(n_new)]) for m, c in self.market_popularity.items()}
        return replace(
            self,
            item_ids=self.item_ids + tuple(item_ids),
            item_vectors=np.vstack([self.item_vectors, cf]),
            categories=np.vstack([self.categories, categories]),
            creators=self.creators + tuple(creators),
            market_popularity=pops,
            content_vectors=np.vstack([self.content_vectors, content]),
        )


class FeedHolder:
    """Holds the current `FeedModel`; `swap` replaces it with one reference assignment."""

    def __init__(self, model: FeedModel) -> None:
        self._model = model

    @property
    def model(self) -> FeedModel:
        """The snapshot current at the moment of the call."""
        return self._model

    def swap(self, model: FeedModel) -> FeedModel:
        """Install a new snapshot and return the old one (readers keep theirs)."""
        old, self._model = self._model, model
        return old

    def serve(self, user: str, market: str, n: int) -> list[Slot]:
        """Serve from whichever snapshot is current when the request starts."""
        return serve(self._model, user, market, n)


def serve(
    model: FeedModel, user: str, market: str, n: int, rng: np.random.Generator | None = None
) -> list[Slot]:
    """Up to n slots for `user` in `market`, each with its reason; nothing already seen."""
    if not isinstance(n, int) or n <= 0 or n > MAX_SLOTS:
        raise InvalidFeedRequest(f"cannot serve {n!r} slots", hint=f"ask for 1 to {MAX_SLOTS}")
    if market not in model.market_popularity:
        raise UnknownMarket(market, model.markets)
    cfg = model.config
    n_items = len(model.item_ids)
    history = model.histories.get(user, np.zeros(0, dtype=np.int64))
    uvec = model.user_vector(user, history)
    pop_counts = model.market_popularity[market]
    pop_order = model.popular_order[market]
    parts: list[IntArray] = [pop_order[: cfg.pool + history.size]]
    labels, _ = model.item_index.query(uvec, cfg.pool + history.size)
    parts.append(labels[labels < n_items])
    profile: npt.NDArray[np.float32] | None = None
    if model.content_vectors is not None and model.content_index is not None and history.size:
        profile = normalise(model.content_vectors[history].mean(axis=0, keepdims=True))[0]
        labels, _ = model.content_index.query(profile, cfg.pool + history.size)
        parts.append(labels[labels < n_items])
    pool = np.unique(np.concatenate(parts))
    pool = pool[~np.isin(pool, history)]
    if pool.size == 0:
        return []
    sources: dict[Reason, npt.NDArray[np.float64]] = {
        "popular": np.log1p(pop_counts[pool]),
    }
    if np.any(uvec):
        sources["personal"] = (model.item_vectors[pool] @ uvec).astype(np.float64)
    if profile is not None and model.content_vectors is not None:
        sources["similar"] = (model.content_vectors[pool] @ profile).astype(np.float64)
    scores, reasons = blend(sources, cfg.weights)
    explore_items = _exploration(model, history, uvec, sources.get("personal"), market, n, rng)
    return compose(
        pool,
        scores,
        reasons,
        n,
        vectors=model.item_vectors,
        creators=model.creators,
        exploration=explore_items,
        diversity=cfg.diversity,
        pool=cfg.pool,
    )


def _exploration(
    model: FeedModel,
    history: IntArray,
    uvec: npt.NDArray[np.float32],
    personal: npt.NDArray[np.float64] | None,
    market: str,
    n: int,
    rng: np.random.Generator | None,
) -> IntArray:
    """Break-out items for this feed: how many (cost-aware), and which (Thompson sampling)."""
    cfg = model.config.explore
    if cfg.share <= 0.0:
        return np.zeros(0, dtype=np.int64)
    candidates = _breakout_candidates(model, history, market, rng or np.random.default_rng())
    # The viewer's own predicted affinity for each candidate (none for a viewer with no
    # personal signal): it weights the Thompson draw and nets off an exploration slot's cost.
    personal_signal = bool(np.any(uvec))
    affinity = (
        (model.item_vectors[candidates] @ uvec).astype(np.float64)
        if personal_signal
        else np.zeros(candidates.size)
    )
    main = personal if personal is not None else np.zeros(0)
    k = model.explorer.slots_for(market, main, n, history.size, affinity)
    if k == 0 or candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    segment = market if market in model.explorer.segments else model.explorer.segments[0]
    weights = np.clip(affinity, 1e-3, None) if personal_signal else None
    return model.explorer.choose(candidates, segment, market, k, rng, weights=weights)


def _breakout_candidates(
    model: FeedModel, history: IntArray, market: str, rng: np.random.Generator
) -> IntArray:
    """Up to `explore_pool` items of cultures the viewer has not engaged with: popular and fresh."""
    engaged = engaged_categories(history, model.categories, model.config.explore.engaged_min)
    half = model.config.explore_pool // 2

    def eligible(items: IntArray) -> IntArray:
        keep = breakout_mask(engaged, model.categories[items]) & ~np.isin(items, history)
        return items[keep]

    # Half the pool: the market's most popular break-out items, scanned in chunks so a
    # request touches a few thousand items, not the catalogue.
    popular: list[IntArray] = []
    found = 0
    order = model.popular_order[market]
    counts = model.market_popularity[market]
    for start in range(0, order.size, 4096):
        chunk = order[start : start + 4096]
        chunk = chunk[counts[chunk] > 0]
        if chunk.size == 0:
            break
        popular.append(eligible(chunk))
        found += popular[-1].size
        if found >= half:
            break
    # The other half: fresh items with no interactions in the market yet, so newly
    # published culture gets a chance at all.
    fresh = model.fresh_items[market]
    if fresh.size > 4 * half:
        # Sample positions with replacement and dedupe: O(pool), not a catalogue permutation.
        fresh = fresh[np.unique(rng.integers(0, fresh.size, 4 * half))]
    fresh = eligible(fresh)[:half]
    top = (
        np.concatenate(popular)[: model.config.explore_pool - fresh.size] if popular else fresh[:0]
    )
    return np.concatenate([top, fresh])
