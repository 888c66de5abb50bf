"""Candidate scorers: popularity per market, EASE, and matrix factorisation (BPR/ALS).

Every scorer maps a user's history (item indices) to one score per item, so a new user
is folded in from their history without retraining. Factor models also expose item
vectors for the ANN serving index, and fold in a new item from the users who touched it.

Defaults were chosen on a validation split carved out of the MSR training split of
MovieLens-100K (75/25 again, seed 7), never on the test split: EASE lambda=800, `implicit`
ALS 16 factors, reg 3.0, alpha 1. On the test split they reach nDCG@10 .482 and .477;
`implicit` BPR stays near .30, below the Cornac BPR figure (.442) in Microsoft Recommenders' benchmark table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import threadpoolctl
from threadpoolctl import threadpool_limits

from culturebridge.errors import InvalidFeedRequest, InvalidInput
from culturebridge.feed.dataset import FloatArray, IntArray, Interactions

ModelName = Literal["ease", "als", "bpr", "pop"]
MODEL_NAMES: tuple[str, ...] = ("ease", "als", "bpr", "pop")

_blas_limited = False
_blas_lock = threading.Lock()


def one_blas_thread() -> None:
    """Limit the BLAS libraries loaded so far to one thread, once per process (for serving).

    BLAS threads slow single-vector serving about 6x, and `implicit` warns and slows down
    when fitting with them. The limit is never lifted: `with threadpool_limits(...)` restores
    the previous setting on exit, so two threads using it at once (a fit in a background
    refresh, a request serving) could restore the multi-threaded setting under the other,
    whose BLAS threads then spun against each other (and `implicit` warned mid-fit). Fits
    call `_limit_blas` each time instead, since a library loaded after the first call (scipy's
    own BLAS) would otherwise keep its threads.
    """
    global _blas_limited
    if _blas_limited:
        return
    with _blas_lock:
        if not _blas_limited:
            _limit_blas()
            _blas_limited = True


def _limit_blas() -> None:
    threadpool_limits(limits=1, user_api="blas")  # for good: see one_blas_thread
    # threadpoolctl 3.8 lets only the thread that set OpenBLAS's process-wide limit set it
    # again, for as long as that thread lives (a serving pool's threads live for good): let go.
    controller = getattr(threadpoolctl, "OpenBLASController", None)
    if controller is not None:
        controller.clear_controlling_thread()


class Scorer(Protocol):
    """Anything that scores every item for a user given that user's history."""

    @property
    def n_items(self) -> int: ...

    def score(self, history: IntArray) -> FloatArray:
        """One score per item for a viewer whose history is `history` (item indices)."""
        ...

    def score_matrix(self, user_items: sp.csr_matrix) -> npt.NDArray[np.float64]:
        """Scores for many users at once: one row per row of `user_items`."""
        ...


@dataclass(frozen=True)
class PopularityModel:
    """Interaction counts overall and per market (the baseline and the cold-start source)."""

    counts: FloatArray
    market_counts: dict[str, FloatArray]

    @property
    def n_items(self) -> int:
        """Number of items scored."""
        return int(self.counts.shape[0])

    def score(self, history: IntArray, market: str | None = None) -> FloatArray:
        """Popularity in `market` (overall if absent), ties broken by overall popularity."""
        base = self.counts / max(float(self.counts.max(initial=0.0)), 1.0)
        if market is not None and market in self.market_counts:
            return self.market_counts[market] + 1e-3 * base
        return self.counts.copy()

    def score_matrix(self, user_items: sp.csr_matrix) -> npt.NDArray[np.float64]:
        """Same overall popularity row for every user."""
        return np.tile(self.counts, (user_items.shape[0], 1))


def fit_popularity(inter: Interactions, user_markets: tuple[str, ...] = ()) -> PopularityModel:
    """Count interactions per item, overall and per market of the interacting user."""
    counts = np.bincount(inter.items, minlength=inter.n_items).astype(np.float64)
    per: dict[str, FloatArray] = {}
    if user_markets:
        markets = np.asarray(user_markets, dtype=object)[inter.users]
        for m in sorted(set(user_markets)):
            sel = markets == m
            per[m] = np.bincount(inter.items[sel], minlength=inter.n_items).astype(np.float64)
    return PopularityModel(counts, per)


@dataclass(frozen=True)
class EaseModel:
    """EASE (Steck 2019): closed-form item-item weights B with a zero diagonal."""

    weights: npt.NDArray[np.float64]

    @property
    def n_items(self) -> int:
        """Number of items scored."""
        return int(self.weights.shape[0])

    def score(self, history: IntArray) -> FloatArray:
        """Sum of B rows of the history: folds in any user without retraining."""
        if history.size == 0:
            return np.zeros(self.n_items)
        return np.asarray(self.weights[np.unique(history)].sum(axis=0), dtype=np.float64)

    def score_matrix(self, user_items: sp.csr_matrix) -> npt.NDArray[np.float64]:
        """X @ B for a user x item matrix."""
        return np.asarray(user_items @ self.weights, dtype=np.float64)


def fit_ease(user_items: sp.csr_matrix, regularization: float = 800.0) -> EaseModel:
    """Fit EASE: B = I - P diagMat(1/diag(P)), P = (X'X + lambda I)^-1 (Steck 2019, eq. 8)."""
    n = user_items.shape[1]
    if n > 20_000:
        raise InvalidInput(
            f"EASE needs a dense {n}x{n} matrix",
            hint="use the 'als' model for catalogues over 20,000 items",
        )
    gram = np.asarray((user_items.T @ user_items).toarray(), dtype=np.float64)
    gram[np.diag_indices(n)] += regularization
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return EaseModel(b)


@dataclass(frozen=True)
class FactorModel:
    """User and item factors from `implicit` (ALS or BPR); scores are inner products."""

    user_factors: npt.NDArray[np.float32]
    item_factors: npt.NDArray[np.float32]
    regularization: float

    @property
    def n_items(self) -> int:
        """Number of items scored."""
        return int(self.item_factors.shape[0])

    def user_vector(self, history: IntArray) -> npt.NDArray[np.float32]:
        """Fold in a user: ridge regression of 1s on the history's item factors (ALS-style)."""
        y = self.item_factors[np.unique(history)].astype(np.float64)
        k = self.item_factors.shape[1]
        if y.shape[0] == 0:
            return np.zeros(k, dtype=np.float32)
        a = y.T @ y + self.regularization * np.eye(k)
        return np.linalg.solve(a, y.sum(axis=0)).astype(np.float32)

    def item_vector(self, user_rows: IntArray) -> npt.NDArray[np.float32]:
        """Fold in a new item from the known users who interacted with it."""
        x = self.user_factors[np.unique(user_rows)].astype(np.float64)
        k = self.user_factors.shape[1]
        if x.shape[0] == 0:
            return np.zeros(k, dtype=np.float32)
        a = x.T @ x + self.regularization * np.eye(k)
        return np.linalg.solve(a, x.sum(axis=0)).astype(np.float32)

    def score(self, history: IntArray) -> FloatArray:
        """Inner product of the folded-in user vector with every item vector."""
        return np.asarray(self.item_factors @ self.user_vector(history), dtype=np.float64)

    def score_matrix(self, user_items: sp.csr_matrix) -> npt.NDArray[np.float64]:
        """Scores for trained users (row i = user i); requires the training matrix shape."""
        if user_items.shape[0] != self.user_factors.shape[0]:
            return np.vstack(
                [self.score(user_items[u].indices) for u in range(user_items.shape[0])]
            )
        return np.asarray(self.user_factors @ self.item_factors.T, dtype=np.float64)


def fit_als(
    user_items: sp.csr_matrix,
    factors: int = 16,
    regularization: float = 3.0,
    alpha: float = 1.0,
    iterations: int = 30,
    seed: int = 1,
    threads: int = 1,
) -> FactorModel:
    """Fit `implicit.als.AlternatingLeastSquares` (Hu, Koren, Volinsky 2008)."""
    import implicit.als  # heavy import deferred to call time (no work at import)

    _limit_blas()
    model = implicit.als.AlternatingLeastSquares(
        factors=factors,
        regularization=regularization,
        alpha=alpha,
        iterations=iterations,
        random_state=seed,
        num_threads=threads,
    )
    model.fit(sp.csr_matrix(user_items, dtype=np.float32), show_progress=False)
    return FactorModel(
        np.asarray(model.user_factors), np.asarray(model.item_factors), regularization
    )


def fit_bpr(
    user_items: sp.csr_matrix,
    factors: int = 200,
    learning_rate: float = 0.01,
    regularization: float = 0.001,
    iterations: int = 100,
    seed: int = 1,
    threads: int = 1,
) -> FactorModel:
    """Fit `implicit.cpu.bpr.BayesianPersonalizedRanking` (Rendle et al. 2009)."""
    import implicit.cpu.bpr

    _limit_blas()
    model = implicit.cpu.bpr.BayesianPersonalizedRanking(
        factors=factors,
        learning_rate=learning_rate,
        regularization=regularization,
        iterations=iterations,
        random_state=seed,
        num_threads=threads,
    )
    model.fit(sp.csr_matrix(user_items, dtype=np.float32), show_progress=False)
    # implicit's BPR appends a bias column to both factor matrices; keep it (inner product).
    return FactorModel(np.asarray(model.user_factors), np.asarray(model.item_factors), 1.0)


def fit_model(
    name: str, train: Interactions, user_markets: tuple[str, ...] = ()
) -> PopularityModel | EaseModel | FactorModel:
    """Fit a scorer by name ('ease', 'als', 'bpr', 'pop') with the tuned defaults."""
    x = train.to_csr()
    if name == "ease":
        return fit_ease(x)
    if name == "als":
        return fit_als(x)
    if name == "bpr":
        return fit_bpr(x)
    if name == "pop":
        return fit_popularity(train, user_markets)
    raise InvalidFeedRequest(f"unknown model {name!r}", hint=f"use one of {', '.join(MODEL_NAMES)}")
