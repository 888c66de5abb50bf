"""The library's ORB keypoint index: candidate images by descriptor votes, and common keypoints.

Two jobs, one index over every registered image's ORB descriptors:

- **Candidates.** Each query descriptor votes for the image owning its nearest registered
  descriptor; the vote leaders get the full RANSAC comparison. An exact scan
  (`faiss.IndexBinaryFlat`) costs O(all descriptors) per query — 1.5 s at 1,000 images — so
  once the library holds `IVF_MIN` descriptors it is moved to an inverted-file index
  (`faiss.IndexBinaryIVF`, k-means cells over Hamming space, Jégou et al. 2011)
  probing `NPROBE` cells: approximate, which voting tolerates (a copy shares hundreds of
  descriptors with its source; losing a few neighbours does not change the leader).
- **Common keypoints.** A descriptor about as close to descriptors of two different works is
  not evidence of copying either: it sits on something many images share — the explicit
  「AI生成」 label every AI work carries (Measures Art. 4/GB 45438 §4 put it on the picture),
  a watermark, a logo. Like a stop word in text retrieval (inverse document frequency), such
  descriptors are dropped from the query before voting and before RANSAC, so unrelated
  labelled images no longer match through their labels once the library holds labelled
  images of two or more works (on the platform, every AI work's).
"""

from __future__ import annotations

import ctypes
import math

import faiss
import numpy as np
import numpy.typing as npt

IVF_MIN = 100_000  # descriptors (about 125 images) before the exact scan gives way to IVF
NPROBE = 32  # IVF cells probed per query descriptor
NEIGHBOURS = 16  # neighbours looked at per query descriptor (votes and common keypoints)
NEAR = 50  # bits: a registered descriptor this close is "the same keypoint"
AMBIGUOUS = 64  # bits: a second work's descriptor this close can make a keypoint common
RATIO = 0.8  # common when the nearest work is not clearly nearer than the second work
_TRAIN_PER_CELL = 40  # faiss asks for >= 39 training points per cell
_TRAIN_ITERATIONS = 10


def _release_freed_memory() -> None:
    """Return the replaced index's freed memory to the system (glibc `malloc_trim(3)`).

    A retrain briefly holds the old index, its codes read back and the new index; glibc keeps
    much of that freed memory in its heap (measured: RSS stays about 40 MB higher after a
    retrain at 400,000 descriptors), which looks like growth to anything watching RSS.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    trim(0)


class KeypointIndex:
    """ORB descriptors of registered images with their owner (entry) and work numbers."""

    def __init__(self) -> None:
        # The codes live in the faiss index only (a retrain reads them back from it); owner and
        # work numbers are int32 per descriptor, so an image view of 400 keypoints holds
        # 400 x (32 + 8) bytes here (+ 8 per code for the IVF's ids): `resident_bytes`.
        self._owner: list[npt.NDArray[np.int32]] = []
        self._work: list[npt.NDArray[np.int32]] = []
        self._owner_all = np.zeros(0, np.int32)
        self._work_all = np.zeros(0, np.int32)
        self._index: faiss.IndexBinary = faiss.IndexBinaryFlat(256)
        self._trained_at = 0  # descriptors when the IVF was trained (0: exact scan)
        self._quantizer: faiss.IndexBinary | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def resident_bytes(self) -> int:
        """Bytes this index holds: codes (and the IVF's 8-byte ids), owner and work numbers."""
        per_code = 32 + (8 if self._trained_at else 0) + 8
        return len(self) * per_code

    @property
    def approximate(self) -> bool:
        """True once the index is an IVF (approximate) rather than an exact scan."""
        return self._trained_at > 0

    def add(self, owner: int, work: int, descriptors: npt.NDArray[np.uint8]) -> None:
        """Add one image view's descriptors; searchable at once."""
        if not len(descriptors):
            return
        codes = np.ascontiguousarray(descriptors, dtype=np.uint8)
        self._owner.append(np.full(len(codes), owner, np.int32))
        self._work.append(np.full(len(codes), work, np.int32))
        self._index.add(codes)

    def rebuild(self) -> None:
        """Move to (or retrain) the IVF index when the library has grown enough."""
        total = len(self)
        if total < IVF_MIN or (self._trained_at and total < 4 * self._trained_at):
            return
        if isinstance(self._index, faiss.IndexBinaryIVF):
            self._index.make_direct_map()  # an IVF gives its codes back by number only with one
        codes = self._index.reconstruct_n(0, total)
        cells = int(min(4096, max(256, math.sqrt(total))))  # ~sqrt(n) cells of ~sqrt(n) codes
        quantizer = faiss.IndexBinaryFlat(256)
        index = faiss.IndexBinaryIVF(quantizer, 256, cells)
        sample = np.random.default_rng(0).choice(total, min(total, cells * _TRAIN_PER_CELL), replace=False)
        index.cp.niter = _TRAIN_ITERATIONS  # coarse cells are enough for voting
        index.train(codes[np.sort(sample)])
        index.add(codes)
        index.nprobe = NPROBE
        self._quantizer = quantizer  # the IVF refers to it: keep it alive as long
        self._index = index
        self._trained_at = total
        del codes
        _release_freed_memory()

    def _arrays(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        if len(self._owner_all) != len(self):
            self._owner_all = np.concatenate(self._owner) if self._owner else np.zeros(0, np.int32)
            self._work_all = np.concatenate(self._work) if self._work else np.zeros(0, np.int32)
            self._owner = [self._owner_all]
            self._work = [self._work_all]
        return self._owner_all, self._work_all

    def search(
        self, descriptors: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Per query descriptor: the owner of its nearest near neighbour (-1 if none), and whether it is common."""
        n = len(descriptors)
        if n == 0 or len(self) == 0:
            return np.full(n, -1, np.int64), np.zeros(n, bool)
        k = min(NEIGHBOURS, len(self))
        dist, idx = self._index.search(np.ascontiguousarray(descriptors, dtype=np.uint8), k)
        owners, works = self._arrays()
        safe = np.where(idx >= 0, idx, 0)
        work = np.where(idx >= 0, works[safe], -1)
        first = dist[:, 0]
        owner = np.where((idx[:, 0] >= 0) & (first <= NEAR), owners[safe[:, 0]], -1).astype(np.int64)
        # The nearest descriptor of a different work than the nearest one (ratio test across
        # works, Lowe 2004 §7.1, with works in place of points): a keypoint about as close to
        # two works' images is something they share, not evidence of a copy.
        other = (work != work[:, :1]) & (work >= 0)
        second = np.where(other, dist, np.iinfo(np.int32).max).min(axis=1)
        common = (second <= AMBIGUOUS) & (first > RATIO * second)
        return owner, common
