"""The feed over the real catalog: one `FeedModel` per market from its publications and events.

Items are the works published in the market; their content vectors embed the served
version's title and synopsis (USE-multilingual, `content.py`), so a brand-new work has a
place before any events. Categories stand in for cultures: the work's kind and its IP.
Collaborative filtering (ALS) joins once a market has `min_cf_events` engaged events from
`min_cf_viewers` viewers; before that the item vectors are the content vectors and a
viewer's vector is a ridge fold-in of their history.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.errors import InvalidInput
from culturebridge.feed.content import TextEncoder, Vectors, fit_content_to_factors, normalise
from culturebridge.feed.dataset import IntArray, ItemMeta, from_rows
from culturebridge.feed.explore import ThompsonExplorer
from culturebridge.feed.index import AnnIndex
from culturebridge.feed.serving import FeedModel, ServeConfig
from culturebridge.feed.store import interaction_rows, list_publications, load_arms

Row = tuple[str, str, float, float]


@dataclass(frozen=True)
class MarketCatalog:
    """What a market's feed is built from: its published works and engaged events."""

    market: str
    work_ids: tuple[str, ...]
    texts: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    creators: tuple[str, ...]
    rows: tuple[Row, ...]
    arms: Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class BuildConfig:
    """When collaborative filtering joins, and its size."""

    min_cf_events: int = 200
    min_cf_viewers: int = 20
    factors: int = 32
    iterations: int = 15
    serve: ServeConfig = field(default_factory=ServeConfig)


def load_market(conn: Connection, market: str) -> MarketCatalog:
    """Read a market's publications, engaged events and stored explorer state."""
    pubs = list_publications(conn, market=market)
    ids: list[str] = []
    texts: list[str] = []
    cats: list[tuple[str, ...]] = []
    creators: list[str] = []
    for pub in pubs:
        work = catalog.get_work(conn, pub.work_id)
        served = catalog.get_work(conn, pub.served_work_id)
        ip = catalog.get_ip_by_id(conn, work.ip_id).name if work.ip_id else None
        ids.append(work.id)
        texts.append(f"{served.title(pub.language)}. {served.synopsis(pub.language)}".strip())
        cats.append((f"kind:{work.kind}",) + ((f"ip:{ip}",) if ip else ()))
        creators.append(work.owner_id)
    known = set(ids)
    rows = tuple(r for r in interaction_rows(conn, market) if r[1] in known)
    return MarketCatalog(market, tuple(ids), tuple(texts), tuple(cats), tuple(creators), rows,
                         load_arms(conn, market, ids))


class ContentCache:
    """Content vectors keyed by a hash of the text, kept in one .npz file so refreshes only encode new texts."""

    def __init__(self, encoder: TextEncoder, path: Path | None = None) -> None:
        self.encoder = encoder
        self.path = path
        self._memo: dict[str, Vectors] = {}
        if path is not None and path.exists():
            try:
                with np.load(path) as data:
                    self._memo = {k: np.asarray(data[k], dtype=np.float32) for k in data.files}
            except (OSError, ValueError):  # a damaged cache is rebuilt, not trusted
                self._memo = {}

    def vectors(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, encoding only texts not seen before."""
        keys = ["t" + hashlib.sha256(t.encode("utf-8")).hexdigest()[:32] for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._memo}.items())
        if missing:
            fresh = self.encoder.encode([t for _, t in missing])
            for (k, _), v in zip(missing, fresh):
                self._memo[k] = np.asarray(v, dtype=np.float32)
            self._save()
        if not keys:
            return np.zeros((0, 512), dtype=np.float32)
        return normalise(np.vstack([self._memo[k] for k in keys]))

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp.npz")
        save: Any = np.savez  # numpy's stub types **kwds as the allow_pickle flag
        save(tmp, **self._memo)
        os.replace(tmp, self.path)


def build_market_model(market: MarketCatalog, content: Vectors, config: BuildConfig | None = None,
                       seed: int = 0) -> tuple[FeedModel, bool]:
    """A serving snapshot for one market; the flag says whether CF (ALS) was used."""
    config = config or BuildConfig()
    n = len(market.work_ids)
    if n == 0:
        raise InvalidInput(f"market {market.market} has no published works", hint="publish a work there first")
    if content.shape[0] != n:
        raise InvalidInput("content vectors and published works differ in number")
    inter = from_rows(market.rows, item_ids=market.work_ids)
    meta = ItemMeta(tuple(market.work_ids), market.categories, market.creators)
    categories = meta.category_matrix()
    csr = inter.to_csr()
    histories: dict[str, IntArray] = {
        u: np.asarray(csr[i].indices, dtype=np.int64) for i, u in enumerate(inter.user_ids)
    }
    pop = np.bincount(inter.items, weights=inter.weights, minlength=n).astype(np.float64)
    collaborative = len(inter) >= config.min_cf_events and inter.n_users >= config.min_cf_viewers
    user_vectors: dict[str, npt.NDArray[np.float32]] = {}
    if collaborative:
        from culturebridge.feed.models import fit_als

        factors = fit_als(inter.to_csr(binary=False), factors=config.factors, iterations=config.iterations,
                          seed=seed + 1)
        item_vectors = np.ascontiguousarray(factors.item_factors, dtype=np.float32)
        user_vectors = {u: factors.user_factors[i] for i, u in enumerate(inter.user_ids)}
    else:
        item_vectors = np.ascontiguousarray(content, dtype=np.float32)
    explorer = ThompsonExplorer(categories, (market.market,), (market.market,), config.serve.explore, seed=seed)
    for i, work_id in enumerate(market.work_ids):
        wins, trials = market.arms.get(work_id, (0.0, 0.0))
        explorer.item_wins[i, 0] = wins
        explorer.item_trials[i, 0] = trials
    # Category posteriors are the sums of their items' outcomes (as `ThompsonExplorer.update` keeps them).
    explorer.cat_wins[:, 0] = (categories > 0).T.astype(np.float64) @ explorer.item_wins[:, 0]
    explorer.cat_trials[:, 0] = (categories > 0).T.astype(np.float64) @ explorer.item_trials[:, 0]
    model = FeedModel(
        item_ids=market.work_ids,
        item_vectors=item_vectors,
        item_index=AnnIndex.build(item_vectors),
        categories=categories,
        creators=market.creators,
        market_popularity={market.market: pop},
        histories=histories,
        explorer=explorer,
        config=config.serve,
        content_vectors=content,
        content_index=AnnIndex.build(content),
        content_to_factors=fit_content_to_factors(content, item_vectors),
        user_vectors=user_vectors,
    )
    return model, collaborative

