"""Offline evaluation: accuracy, beyond-accuracy and break-out metrics on a train/test split.

Protocol (Microsoft Recommenders' MovieLens benchmark): every item is ranked for every test
user (full ranking, no sampled negatives), the user's training items are removed, the
top k are compared with the held-out items as binary relevance.

- nDCG@k: DCG = sum hit_i / log2(i + 1), normalised by the ideal DCG of min(|test|, k) hits.
- precision@k = hits / k; recall@k = hits / |test|.
- coverage: distinct items recommended / catalogue size.
- diversity: intra-list diversity, mean pairwise (1 - cosine) of item category vectors.
- novelty: mean -log2(share of training users who interacted with the item).
- calibration_kl: Steck 2018 KL(p || (1 - a) q + a p), a = 0.01, p the category
  distribution of the history, q of the list, items' categories weighted equally.
- breakout_exposure: share of slots holding an item none of whose categories the viewer had
  engaged with; breakout_conversion: share of those slots that the viewer went on to hit.

With exploration on, the Thompson explorer is updated after each viewer's list with that
viewer's held-out hits, viewers in a seeded random order: an online replay of learning.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.dataset import Dataset, FloatArray, IntArray, Interactions, split
from culturebridge.feed.explore import (
    ExploreConfig,
    ThompsonExplorer,
    allocate_budget,
    breakout_mask,
    engaged_categories,
    marginal_costs,
)
from culturebridge.feed.models import PopularityModel, fit_model, fit_popularity
from culturebridge.feed.ranking import Diversity, compose

CALIBRATION_ALPHA = 0.01  # Steck 2018 §3, q~ = (1 - alpha) q + alpha p


@dataclass(frozen=True)
class EvalReport:
    """Metrics of one model on one split, named as in the CLI's --json output."""

    model: str
    protocol: str
    k: int
    explore_share: float
    ndcg: float
    precision: float
    recall: float
    coverage: float
    diversity: float
    novelty: float
    calibration_kl: float
    breakout_exposure: float
    breakout_conversion: float
    users: int

    def to_dict(self) -> dict[str, Any]:
        """Metric names as printed: ndcg@k, precision@k, recall@k and the rest."""
        d = asdict(self)
        for name in ("ndcg", "precision", "recall"):
            d[f"{name}@{self.k}"] = d.pop(name)
        return d


def ndcg_at_k(ranked: IntArray, relevant: set[int], k: int) -> float:
    """Binary-relevance nDCG@k of one ranked list."""
    if not relevant:
        return 0.0
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    hits = np.asarray([int(i) in relevant for i in ranked[:k]], dtype=np.float64)
    ideal = disc[: min(len(relevant), k)].sum()
    return float((hits * disc[: hits.size]).sum() / ideal)


def intra_list_diversity(items: IntArray, features: npt.NDArray[np.float64]) -> float:
    """Mean pairwise 1 - cosine between the items' feature vectors."""
    if items.size < 2:
        return 0.0
    v = features[items]
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    sim = v @ v.T
    n = items.size
    return float((n * n - sim.sum()) / (n * (n - 1)))


def calibration_kl(history: IntArray, items: IntArray, features: npt.NDArray[np.float64]) -> float:
    """Steck 2018 miscalibration KL(p || q~) between history and list category mixes."""
    if history.size == 0 or items.size == 0:
        return 0.0
    share = features / np.maximum(features.sum(axis=1, keepdims=True), 1.0)
    p = share[history].sum(axis=0)
    q = share[items].sum(axis=0)
    p = p / max(p.sum(), 1e-12)
    q = q / max(q.sum(), 1e-12)
    q_tilde = (1.0 - CALIBRATION_ALPHA) * q + CALIBRATION_ALPHA * p
    mask = p > 0
    return float((p[mask] * np.log(p[mask] / q_tilde[mask])).sum())


def _model_scores(
    name: str, dataset: Dataset, train_csr: sp.csr_matrix, pop: PopularityModel, train: Interactions
) -> npt.NDArray[np.float64]:
    model = fit_model(name, train, dataset.user_markets)
    scores = model.score_matrix(train_csr)
    # Viewers with no training history take the cold-start path: popularity in their market.
    cold = np.flatnonzero(np.diff(train_csr.indptr) == 0)
    for u in cold:
        scores[u] = pop.score(np.zeros(0, dtype=np.int64), dataset.user_markets[u])
    return scores


def evaluate(
    dataset: Dataset,
    model: str = "ease",
    protocol: str = "msr",
    k: int = 10,
    explore: ExploreConfig | None = None,
    diversity: Diversity = "none",
    seed: int = 42,
    explore_pool: int = 20,
) -> EvalReport:
    """Fit `model` on the protocol's training split and score its top-k lists on the test split."""
    if not 1 <= k <= 1000:
        raise InvalidFeedRequest(f"k={k} is out of range", hint="use 1 <= k <= 1000")
    train, test = split(dataset.interactions, protocol, seed=seed)
    x = train.to_csr()
    t = test.to_csr()
    pop = fit_popularity(train, dataset.user_markets)
    scores = _model_scores(model, dataset, x, pop, train)
    return _score_lists(
        dataset, model, protocol, k, scores, x, t, pop, explore, diversity, seed, explore_pool
    )


def _score_lists(
    dataset: Dataset,
    model: str,
    protocol: str,
    k: int,
    scores: npt.NDArray[np.float64],
    x: sp.csr_matrix,
    t: sp.csr_matrix,
    pop: PopularityModel,
    explore: ExploreConfig | None,
    diversity: Diversity,
    seed: int,
    explore_pool: int,
) -> EvalReport:
    feats = dataset.items.category_matrix()
    n_users, n_items = x.shape
    user_counts = np.asarray((x > 0).sum(axis=0)).ravel()
    novelty_bits = -np.log2(np.maximum(user_counts, 1) / max(n_users, 1))
    markets = dataset.markets()
    cfg = explore or ExploreConfig(share=0.0)
    explorer = ThompsonExplorer(feats, markets, markets, cfg, seed=seed)
    rng = np.random.default_rng(seed)
    users = np.flatnonzero(np.diff(t.indptr) > 0)
    rng.shuffle(users)
    per_user = _hindsight_slots(cfg, users, scores, x, feats, k) if cfg.allocation == "hindsight" else None
    nd, pr, rc, ild, nov, kl = [], [], [], [], [], []
    shown: set[int] = set()
    slots_total = breakout_slots = breakout_hits = 0
    vectors = feats.astype(np.float32)
    for u in users:
        history = x[u].indices
        relevant = {int(i) for i in t[u].indices}
        s = scores[u].copy()
        s[history] = -np.inf
        engaged = engaged_categories(history, feats, cfg.engaged_min)
        breakout = breakout_mask(engaged, feats)
        segment = dataset.user_markets[u]
        eligible = np.flatnonzero(breakout & np.isfinite(s))
        eligible = eligible[np.argsort(-s[eligible], kind="stable")[:explore_pool]]
        n_explore = (
            per_user[int(u)]
            if per_user is not None
            else explorer.slots_for("all", s[np.isfinite(s)], k, history.size, s[eligible])
        )
        explore_items = np.zeros(0, dtype=np.int64)
        if n_explore:
            explore_items = explorer.choose(
                eligible, segment, segment, n_explore, rng, weights=np.clip(s[eligible], 1e-6, None)
            )
        pool = np.argpartition(-s, min(200, n_items - 1))[:200]
        pool = pool[np.isfinite(s[pool])]
        slots = compose(
            pool,
            s[pool],
            ["personal"] * pool.size,
            k,
            vectors=vectors,
            exploration=explore_items,
            diversity=diversity,
        )
        ranked = np.asarray([sl.item for sl in slots], dtype=np.int64)
        for item in explore_items:
            explorer.update(int(item), segment, int(item) in relevant)
        nd.append(ndcg_at_k(ranked, relevant, k))
        hits = sum(int(i) in relevant for i in ranked)
        pr.append(hits / k)
        rc.append(hits / len(relevant))
        ild.append(intra_list_diversity(ranked, feats))
        nov.append(float(novelty_bits[ranked].mean()) if ranked.size else 0.0)
        kl.append(calibration_kl(history, ranked, feats))
        shown.update(int(i) for i in ranked)
        slots_total += ranked.size
        bo = [int(i) for i in ranked if breakout[i]]
        breakout_slots += len(bo)
        breakout_hits += sum(i in relevant for i in bo)
    return EvalReport(
        model=model,
        protocol=protocol,
        k=k,
        explore_share=cfg.share,
        ndcg=_mean(nd),
        precision=_mean(pr),
        recall=_mean(rc),
        coverage=len(shown) / max(n_items, 1),
        diversity=_mean(ild),
        novelty=_mean(nov),
        calibration_kl=_mean(kl),
        breakout_exposure=breakout_slots / max(slots_total, 1),
        breakout_conversion=breakout_hits / max(breakout_slots, 1),
        users=int(users.size),
    )


def _hindsight_slots(
    cfg: ExploreConfig,
    users: IntArray,
    scores: npt.NDArray[np.float64],
    x: sp.csr_matrix,
    feats: npt.NDArray[np.float64],
    k: int,
) -> dict[int, int]:
    """Offline optimum: the share's slot budget to the cheapest slots over all viewers at once."""
    costs: list[npt.NDArray[np.float64]] = []
    for u in users:
        s = scores[u].copy()
        s[x[u].indices] = -np.inf
        breakout = breakout_mask(engaged_categories(x[u].indices, feats, cfg.engaged_min), feats)
        bo = s[breakout & np.isfinite(s)]
        costs.append(marginal_costs(s[np.isfinite(s)], k, x[u].indices.size, cfg.max_slots(k), bo))
    budget = round(cfg.share * k * users.size)
    return {int(u): n for u, n in zip(users, allocate_budget(costs, budget), strict=True)}


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else 0.0


def auc(scores: FloatArray, positives: npt.NDArray[np.bool_]) -> float:
    """Area under the ROC curve of scores against binary labels (ties count one half)."""
    pos, neg = scores[positives], scores[~positives]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size))
