"""Blend candidate sources into one ranking, then compose the feed with its reasons.

Each source (personal CF, market popularity, content similarity) scores a shared pool of
candidates; scores are standardised per source over the pool and summed with weights.
A slot's reason is the source contributing most to its blended score, or `exploration`
for break-out slots. Composition: diversity re-rank the main slots, put exploration slots
at evenly spaced positions (the last slot first, where it costs least), then enforce
"no two in a row from the same creator" (TikTok's 2020 description of its feed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.dataset import FloatArray, IntArray
from culturebridge.feed.rerank import dpp_greedy, mmr, separate_creators

Reason = Literal["personal", "popular", "similar", "exploration"]
Diversity = Literal["none", "mmr", "dpp"]
SOURCES: tuple[Reason, ...] = ("personal", "popular", "similar")


@dataclass(frozen=True)
class Slot:
    """One served item with the reason it was served and its blended score."""

    item: int
    reason: Reason
    score: float


@dataclass(frozen=True)
class BlendWeights:
    """Weight per candidate source in the blended score."""

    personal: float = 1.0
    popular: float = 0.15
    similar: float = 0.3

    def of(self, source: Reason) -> float:
        """Weight of a named source (0 for exploration)."""
        return {"personal": self.personal, "popular": self.popular, "similar": self.similar}.get(
            source, 0.0
        )


def blend(
    sources: Mapping[Reason, FloatArray], weights: BlendWeights
) -> tuple[FloatArray, tuple[Reason, ...]]:
    """Weighted sum of per-source z-scores over one pool; reason = largest contribution."""
    if not sources:
        raise InvalidFeedRequest("no candidate source produced scores")
    lengths = {v.shape[0] for v in sources.values()}
    if len(lengths) != 1:
        raise InvalidFeedRequest("candidate sources scored pools of different sizes")
    names = [s for s in SOURCES if s in sources]
    contrib = np.vstack([weights.of(s) * _zscore(sources[s]) for s in names])
    total = contrib.sum(axis=0)
    best = np.argmax(contrib, axis=0)
    return total, tuple(names[int(b)] for b in best)


def _zscore(x: FloatArray) -> FloatArray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def explore_positions(n: int, k: int) -> list[int]:
    """Positions for k exploration slots in a feed of n, evenly spaced, last slot first."""
    if k <= 0:
        return []
    return sorted({max(0, (i + 1) * n // k - 1) for i in range(k)})


def compose(
    candidates: IntArray,
    scores: FloatArray,
    reasons: Sequence[Reason],
    n: int,
    vectors: npt.NDArray[np.float32] | None = None,
    creators: Sequence[str] | None = None,
    exploration: IntArray | None = None,
    diversity: Diversity = "none",
    pool: int = 100,
) -> list[Slot]:
    """Final slots: re-ranked main items, exploration at spaced positions, creators separated."""
    if n <= 0:
        raise InvalidFeedRequest(f"cannot serve {n} slots", hint="ask for at least one slot")
    explore = [] if exploration is None else [int(i) for i in exploration]
    keep = ~np.isin(candidates, np.asarray(explore, dtype=np.int64))
    cand, sc = candidates[keep], scores[keep]
    why = [r for r, k in zip(reasons, keep) if k]
    order = np.argsort(-sc, kind="stable")[: max(pool, n)]
    n_main = n - len(explore)
    if diversity != "none" and vectors is not None and order.size:
        pick = mmr if diversity == "mmr" else dpp_greedy
        chosen_local = pick(order, sc[order], vectors[cand[order]], n_main)
    else:
        chosen_local = order[:n_main]
    main = [Slot(int(cand[j]), why[j], float(sc[j])) for j in chosen_local]
    slots = list(main)
    for pos, item in zip(explore_positions(n, len(explore)), explore):
        slots.insert(min(pos, len(slots)), Slot(item, "exploration", 0.0))
    if creators is not None and len(slots) > 1:
        index = {s.item: s for s in slots}
        order_items = separate_creators(
            np.asarray([s.item for s in slots], dtype=np.int64), creators
        )
        slots = [index[int(i)] for i in order_items]
    return slots[:n]
