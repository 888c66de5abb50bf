"""Approximate nearest-neighbour index over item vectors (hnswlib HNSW, inner product).

HNSW (Malkov & Yashunin 2018) with M=16, ef=64 gives recall ~.97 at sub-millisecond p99
on a million 64-d vectors here (bench/feed.py). Labels are item indices. Items are
appended in place when new works are published; appends and resizes take a lock, while
queries read the index concurrently (hnswlib allows add_items alongside knn_query).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidInput
from culturebridge.feed._locks import PicklableLock
from culturebridge.feed.dataset import FloatArray, IntArray


class AnnIndex(PicklableLock):
    """An HNSW inner-product index; `query` returns item indices and inner products."""

    def __init__(
        self,
        dim: int,
        capacity: int = 1024,
        m: int = 16,
        ef_construction: int = 200,
        ef: int = 64,
        seed: int = 100,
    ) -> None:
        import hnswlib

        if dim <= 0:
            raise InvalidInput(f"index dimension {dim} must be positive")
        self.dim = dim
        self._ef = ef
        self._index: Any = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(
            max_elements=max(capacity, 16), ef_construction=ef_construction, M=m, random_seed=seed
        )
        self._index.set_ef(ef)
        self._index.set_num_threads(1)
        self._lock = threading.Lock()

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], **kwargs: Any) -> AnnIndex:
        """Index every row of `vectors` under its row number."""
        if vectors.ndim != 2:
            raise InvalidInput(f"item vectors must be a 2-d array, got shape {vectors.shape}")
        index = cls(vectors.shape[1], capacity=max(vectors.shape[0], 16), **kwargs)
        index.add(vectors, np.arange(vectors.shape[0], dtype=np.int64))
        return index

    def __len__(self) -> int:
        return int(self._index.get_current_count())

    def add(self, vectors: npt.NDArray[np.float32], labels: IntArray) -> None:
        """Add (or replace) vectors under the given item indices, growing as needed."""
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or vectors.shape[0] != labels.shape[0]:
            raise InvalidInput(
                f"cannot add vectors of shape {vectors.shape} with {labels.shape[0]} labels "
                f"to a {self.dim}-d index"
            )
        if not np.all(np.isfinite(vectors)):
            raise InvalidInput("item vectors contain NaN or infinity", hint="re-fit the model")
        with self._lock:
            need = len(self) + vectors.shape[0]
            if need > self._index.get_max_elements():
                self._index.resize_index(max(need, 2 * self._index.get_max_elements()))
            self._index.add_items(np.ascontiguousarray(vectors, dtype=np.float32), labels)

    def query(self, vector: npt.NDArray[np.float32], k: int) -> tuple[IntArray, FloatArray]:
        """The k items of largest inner product with `vector` (fewer if the index is small)."""
        k = min(k, len(self))
        if k <= 0 or not np.any(vector):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        self._index.set_ef(max(self._ef, k))
        labels, dist = self._index.knn_query(np.asarray(vector, dtype=np.float32)[None, :], k=k)
        # hnswlib "ip" space returns 1 - <q, x>.
        return labels[0].astype(np.int64), 1.0 - dist[0].astype(np.float64)
