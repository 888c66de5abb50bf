"""Re-ranking for diversity: MMR, fast greedy DPP, and the creator-adjacency rule.

All functions take candidate indices with relevance scores and item vectors and return
an ordered selection; they never see users or storage.

- MMR (Carbonell & Goldstein 1998): argmax lambda*rel - (1-lambda)*max sim to chosen.
- Fast greedy MAP inference for DPP (Chen, Zhang, Zhou 2018, Algorithm 1): kernel
  L = diag(q) S diag(q) with quality q = exp(theta * rel), incremental Cholesky, O(N k^2).
- TikTok's published rule (TikTok, "How TikTok recommends videos #ForYou", 2020): no two items in a row from the same creator.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.dataset import FloatArray, IntArray


def _check(candidates: IntArray, relevance: FloatArray, k: int) -> None:
    if candidates.shape[0] != relevance.shape[0]:
        raise InvalidFeedRequest("candidates and relevance differ in length")
    if k < 0:
        raise InvalidFeedRequest(f"cannot select {k} items", hint="ask for 0 or more")


def _similarity(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    v = vectors.astype(np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(norms > 0, norms, 1.0)
    return v @ v.T


def mmr(
    candidates: IntArray,
    relevance: FloatArray,
    vectors: npt.NDArray[np.float32],
    k: int,
    trade_off: float = 0.7,
) -> IntArray:
    """Maximal marginal relevance selection of k candidates (vectors: one row per candidate)."""
    _check(candidates, relevance, k)
    n = candidates.shape[0]
    if n == 0 or k == 0:
        return candidates[:0]
    sim = _similarity(vectors)
    rel = (relevance - relevance.min()) / max(float(np.ptp(relevance)), 1e-12)
    chosen: list[int] = []
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        gain = trade_off * rel - (1.0 - trade_off) * penalty
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        available[j] = False
        max_sim = np.maximum(max_sim, sim[:, j])
    return candidates[np.asarray(chosen, dtype=np.int64)]


def dpp_greedy(
    candidates: IntArray,
    relevance: FloatArray,
    vectors: npt.NDArray[np.float32],
    k: int,
    theta: float = 0.7,
    epsilon: float = 1e-10,
) -> IntArray:
    """Fast greedy DPP MAP (Chen et al. 2018, Alg. 1) with quality exp(theta*relevance)."""
    _check(candidates, relevance, k)
    n = candidates.shape[0]
    if n == 0 or k == 0:
        return candidates[:0]
    rel = (relevance - relevance.min()) / max(float(np.ptp(relevance)), 1e-12)
    # Chen et al. §4: L_ij = q_i S_ij q_j, q_i = exp(alpha r_i) with alpha = theta/(2(1-theta)).
    alpha = theta / (2.0 * (1.0 - theta)) if theta < 1.0 else 50.0
    q = np.exp(alpha * rel)
    sim = _similarity(vectors)
    kernel = q[:, None] * sim * q[None, :]
    cis = np.zeros((min(k, n), n))
    d2 = np.diag(kernel).copy()
    chosen: list[int] = []
    j = int(np.argmax(d2))
    while len(chosen) < min(k, n):
        chosen.append(j)
        t = len(chosen) - 1
        if d2[j] < epsilon:
            break
        # Alg. 1 lines 6-8: e_i = (L_ji - <c_j, c_i>) / d_j; c_i <- [c_i e_i]; d_i^2 -= e_i^2.
        e = (kernel[j] - cis[:t, j] @ cis[:t]) / np.sqrt(d2[j])
        cis[t] = e
        d2 = d2 - e * e
        d2[chosen] = -np.inf
        j = int(np.argmax(d2))
        if d2[j] < epsilon:
            break
    if len(chosen) < min(k, n):
        # Remaining slots (kernel rank exhausted) are filled by relevance.
        rest = [i for i in np.argsort(-rel) if i not in set(chosen)]
        chosen.extend(int(i) for i in rest[: min(k, n) - len(chosen)])
    return candidates[np.asarray(chosen, dtype=np.int64)]


def separate_creators(order: IntArray, creators: Sequence[str]) -> IntArray:
    """Reorder so no two adjacent items share a creator, moving the fewest items down."""
    pending = [int(i) for i in order]
    out: list[int] = []
    while pending:
        prev = creators[out[-1]] if out else None
        pick = next((p for p in range(len(pending)) if creators[pending[p]] != prev), None)
        if pick is None:
            # Only one creator is left: the rule cannot hold, keep relevance order.
            pick = 0
        out.append(pending.pop(pick))
    return np.asarray(out, dtype=np.int64)


def has_adjacent_creator(order: IntArray, creators: Sequence[str]) -> bool:
    """True if two neighbouring items share a creator."""
    return any(creators[int(a)] == creators[int(b)] for a, b in itertools.pairwise(order))
