"""Break-out exploration: Thompson sampling over items x viewer segments, with exposure caps.

A controlled share of feed slots goes to items whose categories (cultures) the viewer has
not engaged with. Which break-out item to show is chosen by Thompson sampling (Thompson
1933; Chapelle & Li 2011): each (item, segment) arm has a Beta posterior on "a newcomer
to this item's category converts", shrunk toward its category's posterior for that
segment so that a new item borrows strength from its culture. Per-market caps stop any
one item taking more than `max_item_share` of a market's exploration exposure.

The explorer is the one mutable object of the stage (it learns online); updates and
draws are guarded by a lock so a serving thread and a feedback thread can share it.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed._locks import PicklableLock
from culturebridge.feed.dataset import IntArray


@dataclass(frozen=True)
class ExploreConfig:
    """Exploration policy: slot share, category engagement threshold, caps, prior strength."""

    share: float = 0.1
    engaged_min: int = 1
    max_item_share: float = 0.2
    prior_strength: float = 4.0
    cap_warmup: int = 50
    allocation: Literal["uniform", "cost_aware", "hindsight"] = "cost_aware"
    max_user_share: float = 0.5
    pacing_window: int = 1024
    pacing_warmup: int = 10

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise InvalidFeedRequest(
                f"exploration share {self.share} is outside [0, 1]",
                hint="use e.g. 0.1 for 10% of slots",
            )
        if not 0.0 < self.max_item_share <= 1.0:
            raise InvalidFeedRequest(f"exposure cap {self.max_item_share} is outside (0, 1]")
        if self.allocation not in ("uniform", "cost_aware", "hindsight"):
            raise InvalidFeedRequest(
                f"unknown exploration allocation {self.allocation!r}",
                hint="use uniform, cost_aware (online, as served) or hindsight (offline optimum)",
            )
        if self.pacing_window < 1 or self.pacing_warmup < 0:
            raise InvalidFeedRequest("the pacing window must be positive and its warm-up not negative")

    def slots(self, n: int) -> int:
        """Exploration slots in a feed of n: round(share * n), at least 1 when share > 0."""
        if self.share <= 0.0 or n <= 0:
            return 0
        return min(n, max(1, round(self.share * n)))

    def max_slots(self, n: int) -> int:
        """Most exploration slots one viewer's feed of n may get under cost-aware allocation."""
        return max(1, int(self.max_user_share * n)) if self.share > 0.0 and n > 0 else 0


def marginal_costs(scores: npt.NDArray[np.float64], n: int, history_size: int, max_slots: int,
                   explore_scores: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
    """Estimated nDCG cost of a viewer's 1st, 2nd, ... exploration slot in a feed of n.

    Exploration takes the last positions first, so the j-th slot displaces the item at rank
    n - j: its cost is that item's model score (read as a hit probability, clipped at 0)
    times the rank's DCG discount, over the ideal DCG of the items the viewer is expected
    to engage with (a third of their history, at least one). Costs are made
    non-decreasing, which makes greedy allocation optimal (a separable convex problem).
    """
    disc = 1.0 / np.log2(np.arange(2, n + 2))
    top = np.zeros(n)  # ranks with no candidate (or no personal score) cost nothing
    best = np.sort(np.asarray(scores, dtype=np.float64))[::-1][:n]
    top[: best.size] = best
    ideal = disc[: int(np.clip(round(history_size / 3), 1, n))].sum()
    ranks = np.arange(n - 1, n - 1 - min(max_slots, n), -1)
    gain = np.zeros(ranks.size)
    if explore_scores is not None:
        # The j-th slot's break-out item may be a hit too: net it off (best candidates first);
        # slots beyond the break-out candidates there are cannot be filled at all.
        bo = np.sort(np.clip(np.asarray(explore_scores, dtype=np.float64), 0.0, None))[::-1][: ranks.size]
        gain[: bo.size] = bo
        gain[bo.size :] = -np.inf
    costs = (np.clip(top[ranks], 0.0, None) - gain) * disc[ranks] / ideal
    return np.maximum.accumulate(costs) if costs.size else costs


PAYBACK = 10


class BudgetPacer(PicklableLock):
    """Online cost-aware allocation: a viewer gets each exploration slot that costs <= lambda.

    The offline optimum (`allocate_budget`) gives the share's budget to the cheapest slots
    over all viewers at once; online, viewers arrive one by one. The pacer keeps the
    marginal costs of the last `window` requests and sets lambda to the quantile of them
    that would have spent exactly `share` of their slots (the dual price of the budget,
    re-estimated every request from a sliding window). Until `warmup` requests have been
    seen it allocates uniformly. Thread-safe.
    """

    def __init__(self, config: ExploreConfig) -> None:
        self.config = config
        # The window as a ring of rows, one per request, padded with +inf (never below a price).
        self._ring = np.full((config.pacing_window, 1), np.inf)
        self._ring_slots = np.zeros(config.pacing_window, dtype=np.int64)
        self._seen = 0
        self._price: float | None = None
        self._debt = 0.0
        self._lock = threading.Lock()

    @property
    def price(self) -> float | None:
        """The current cost threshold (None while warming up)."""
        return self._price

    def allocate(self, costs: npt.NDArray[np.float64], n: int) -> int:
        """Exploration slots for this request, given its marginal costs (non-decreasing)."""
        with self._lock:
            self._remember(costs, n)
            if self._seen <= self.config.pacing_warmup:
                k = self.config.slots(n)
            else:
                self._price = self._reprice()
                k = int(np.searchsorted(costs, self._price, side="right"))
            # The integral term: what past requests over- or under-spent is owed by the next.
            self._debt += self.config.share * n - k
            return k

    def shortfall(self, slots: int) -> None:
        """Slots allocated but not filled (caps, too few candidates): owed by later requests."""
        with self._lock:
            self._debt += slots

    def _remember(self, costs: npt.NDArray[np.float64], n: int) -> None:
        if costs.size > self._ring.shape[1]:
            wider = np.full((self._ring.shape[0], costs.size), np.inf)
            wider[:, : self._ring.shape[1]] = self._ring
            self._ring = wider
        row = self._seen % self._ring.shape[0]
        self._ring[row] = np.inf
        self._ring[row, : costs.size] = costs
        self._ring_slots[row] = n
        self._seen += 1

    def _reprice(self) -> float:
        filled = min(self._seen, self._ring.shape[0])
        pooled = self._ring[:filled].ravel()
        finite = int(np.isfinite(pooled).sum())
        # Repay the debt over the next PAYBACK requests: the window's budget moves by
        # debt x (window length / PAYBACK), since a price change applies to every request.
        budget = math.ceil(self.config.share * int(self._ring_slots[:filled].sum()) + self._debt * filled / PAYBACK)
        if finite == 0 or budget <= 0:
            return -np.inf
        kth = min(budget, finite) - 1
        return float(np.partition(pooled, kth)[kth])  # O(window); +inf pads sort last


def allocate_budget(marginal_costs: Sequence[npt.NDArray[np.float64]], budget: int) -> list[int]:
    """Exploration slots per viewer minimising total estimated cost for a global slot budget.

    `marginal_costs[u][j]` is the estimated cost of viewer u's (j+1)-th exploration slot.
    Costs are made non-decreasing per viewer (running maximum), which makes taking the
    cheapest next increment greedily optimal (a separable convex allocation).
    """
    costs = [np.maximum.accumulate(np.asarray(c, dtype=np.float64)) for c in marginal_costs]
    slots = [0] * len(costs)
    heap = [(float(c[0]), u) for u, c in enumerate(costs) if c.size]
    heapq.heapify(heap)
    while budget > 0 and heap:
        _, u = heapq.heappop(heap)
        slots[u] += 1
        budget -= 1
        if slots[u] < costs[u].size:
            heapq.heappush(heap, (float(costs[u][slots[u]]), u))
    return slots


def engaged_categories(
    history: IntArray, item_categories: npt.NDArray[np.float64], engaged_min: int = 1
) -> npt.NDArray[np.bool_]:
    """Categories with at least `engaged_min` items in the viewer's history."""
    if history.size == 0:
        return np.zeros(item_categories.shape[1], dtype=bool)
    counts = item_categories[np.unique(history)].sum(axis=0)
    return np.asarray(counts >= engaged_min)


def breakout_mask(
    engaged: npt.NDArray[np.bool_], item_categories: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Items none of whose categories the viewer has engaged with (break-out items)."""
    return np.asarray(item_categories @ engaged.astype(np.float64) == 0.0)


class ThompsonExplorer(PicklableLock):
    """Beta posteriors per (item, segment) and (category, segment); per-market exposure caps."""

    def __init__(
        self,
        item_categories: npt.NDArray[np.float64],
        segments: tuple[str, ...],
        markets: tuple[str, ...],
        config: ExploreConfig,
        seed: int = 0,
    ) -> None:
        n_items, n_cats = item_categories.shape
        self.config = config
        self.segments = segments
        self._segment = {s: i for i, s in enumerate(segments)}
        self._market = {m: i for i, m in enumerate(markets)}
        self._cats = item_categories
        self._cat_norm = item_categories / np.maximum(
            item_categories.sum(axis=1, keepdims=True), 1.0
        )
        self.item_wins = np.zeros((n_items, len(segments)))
        self.item_trials = np.zeros((n_items, len(segments)))
        self.cat_wins = np.zeros((n_cats, len(segments)))
        self.cat_trials = np.zeros((n_cats, len(segments)))
        self.exposure = np.zeros((len(markets), n_items))
        self._rng = np.random.default_rng(seed)
        self._pacers: dict[str, BudgetPacer] = {}
        self._lock = threading.Lock()

    def segment_index(self, segment: str) -> int:
        """Index of a segment; unknown segments raise a clear error."""
        if segment not in self._segment:
            raise InvalidFeedRequest(
                f"unknown viewer segment {segment!r}", hint=f"use one of {', '.join(self.segments)}"
            )
        return self._segment[segment]

    def slots_for(self, market: str, scores: npt.NDArray[np.float64], n: int, history_size: int,
                  explore_scores: npt.NDArray[np.float64] | None = None) -> int:
        """Exploration slots in one viewer's feed of n: uniform, or paced by cost per market.

        `scores` are the model's scores of the viewer's main candidates and `explore_scores`
        of their break-out candidates (any order).
        """
        cfg = self.config
        if cfg.allocation == "uniform" or cfg.share <= 0.0:
            return cfg.slots(n)
        if cfg.allocation == "hindsight":
            raise InvalidFeedRequest(
                "hindsight allocation needs every viewer's costs up front",
                hint="it exists for offline evaluation; serve with cost_aware",
            )
        with self._lock:
            pacer = self._pacers.setdefault(market, BudgetPacer(cfg))
        costs = marginal_costs(scores, n, history_size, cfg.max_slots(n), explore_scores)
        return pacer.allocate(costs, n)

    def posterior_mean(self, segment: str) -> npt.NDArray[np.float64]:
        """Posterior mean conversion per item for a segment."""
        a, b = self._params(self.segment_index(segment))
        return np.asarray(a / (a + b))

    def _params(
        self, s: int, items: IntArray | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        # Category Beta(1 + wins, 1 + losses); item prior = strength * category mean.
        sel = slice(None) if items is None else items
        cat_mean = (1.0 + self.cat_wins[:, s]) / (2.0 + self.cat_trials[:, s])
        cats = self._cats[sel]
        prior_mean = self._cat_norm[sel] @ cat_mean
        prior_mean = np.where(cats.sum(axis=1) > 0, prior_mean, 0.5)
        k = self.config.prior_strength
        wins, trials = self.item_wins[sel, s], self.item_trials[sel, s]
        return k * prior_mean + wins, k * (1.0 - prior_mean) + trials - wins

    def choose(
        self,
        eligible: IntArray,
        segment: str,
        market: str,
        k: int,
        rng: np.random.Generator | None = None,
        weights: npt.NDArray[np.float64] | None = None,
    ) -> IntArray:
        """Draw k break-out items from `eligible` by Thompson sampling, honouring market caps.

        `weights` (optional, one per eligible item, > 0) scale each sampled conversion rate
        by the viewer's personal relevance, so the draw ranks P(converts newcomers in the
        segment) x P(this viewer engages).
        """
        if k <= 0 or eligible.size == 0:
            return eligible[:0]
        s = self.segment_index(segment)
        with self._lock:
            a, b = self._params(s, eligible)
            draws = (rng or self._rng).beta(a, np.maximum(b, 1e-6))
            if weights is not None:
                draws = draws * weights
            m = self._market.get(market)
            if m is not None:
                total = self.exposure[m].sum()
                if total >= self.config.cap_warmup:
                    over = self.exposure[m, eligible] >= self.config.max_item_share * total
                    draws = np.where(over, -1.0, draws)
            order = np.argsort(-draws)[:k]
            picked = eligible[order[draws[order] >= 0.0]]
            if m is not None:
                self.exposure[m, picked] += 1.0
            pacer = self._pacers.get(market)
        if pacer is not None and picked.size < k:
            pacer.shortfall(k - picked.size)
        return np.asarray(picked, dtype=np.int64)

    def extend(self, item_categories: npt.NDArray[np.float64]) -> None:
        """Grow the arms for newly published items (they start from their category prior)."""
        if item_categories.ndim != 2 or item_categories.shape[1] != self._cats.shape[1]:
            raise InvalidFeedRequest(
                "new items' category matrix has the wrong number of categories"
            )
        n_new, n_seg = item_categories.shape[0], len(self.segments)
        with self._lock:
            self._cats = np.vstack([self._cats, item_categories])
            self._cat_norm = self._cats / np.maximum(self._cats.sum(axis=1, keepdims=True), 1.0)
            self.item_wins = np.vstack([self.item_wins, np.zeros((n_new, n_seg))])
            self.item_trials = np.vstack([self.item_trials, np.zeros((n_new, n_seg))])
            self.exposure = np.hstack([self.exposure, np.zeros((self.exposure.shape[0], n_new))])

    def update(self, item: int, segment: str, converted: bool) -> None:
        """Record whether a break-out impression converted (view/like/follow, per caller)."""
        s = self.segment_index(segment)
        win = 1.0 if converted else 0.0
        with self._lock:
            self.item_trials[item, s] += 1.0
            self.item_wins[item, s] += win
            cats = self._cats[item] > 0
            self.cat_trials[cats, s] += 1.0
            self.cat_wins[cats, s] += win
