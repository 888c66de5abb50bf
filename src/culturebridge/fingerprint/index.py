"""Radius lookup of 256-bit hashes (PDQ, ORB descriptors) by multi-index hashing.

Multi-index hashing (Norouzi, Punjani & Fleet, "Fast search in Hamming space with multi-index
hashing", CVPR 2012): split each 256-bit code into 16 substrings of 16 bits and
keep one table per substring. If two codes differ in at most r bits, by the pigeonhole
principle at least one substring differs in at most floor(r / 16) bits, so probing every
table at the query's substring and its neighbours within that many flips finds every code
within r (exact, no false negatives). Candidates are then checked with a full popcount.
Codes added after the last build sit in a small buffer that is scanned linearly until the
next rebuild. Below TABLES_FROM codes no tables are built at all: a linear popcount over a few
thousand codes takes tens of microseconds, while building the 16 tables' offsets (16 x 65,537)
took about 4 ms, which a small library built for one check (a worker's same-moment check)
paid on every job.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidInput, MalformedFingerprint

CODE_BYTES = 32
_CHUNKS = 16
_FORMAT = "culturebridge.hashindex/1"
_MAX_FLIPS = 2  # probes per table: 1 + 16 + 120; covers radius <= 47 exactly
TABLES_FROM = 4096  # fewer codes are scanned linearly


@functools.cache
def _flip_masks(flips: int) -> npt.NDArray[np.int64]:
    masks = [0]
    for k in range(1, flips + 1):
        for bits in itertools.combinations(range(16), k):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)


def _chunks(codes: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """(n, 32) bytes -> (n, 16) 16-bit substrings."""
    return codes.reshape(-1, _CHUNKS, 2).astype(np.int64) @ np.array([256, 1], dtype=np.int64)


def _distances(codes: npt.NDArray[np.uint8], query: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    x = codes.view(np.uint64) ^ query.view(np.uint64)
    return np.asarray(np.bitwise_count(x).sum(axis=1, dtype=np.int64), np.int64)


def _as_codes(codes: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    arr = np.ascontiguousarray(np.asarray(codes, dtype=np.uint8))
    if arr.ndim != 2 or arr.shape[1] != CODE_BYTES:
        raise InvalidInput(
            f"hash codes must be 32 bytes each, got shape {arr.shape}",
            hint="pass 256-bit PDQ hashes or ORB descriptors",
        )
    return arr


class HashIndex:
    """Exact Hamming-radius search over 256-bit codes, each carrying an integer id."""

    def __init__(self) -> None:
        self._codes = np.zeros((0, CODE_BYTES), np.uint8)
        self._ids = np.zeros(0, np.int64)
        self._built = 0  # rows covered by the tables
        # Table t occupies _order[t * n : (t + 1) * n]: row numbers sorted by substring t;
        # _starts[t, key] is where the rows with that key begin (CSR offsets, table base added).
        self._order = np.zeros(0, np.int32)
        self._starts = np.zeros((_CHUNKS, 0), np.int64)  # built with the tables
        self._pending: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]] = []
        self._pending_count = 0  # codes in _pending, kept so add() stays O(1)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, bytes]]) -> HashIndex:
        """Build an index from (id, 32-byte code) rows, e.g. read from the database."""
        index = cls()
        ids, codes = [], []
        for row_id, code in rows:
            ids.append(row_id)
            codes.append(np.frombuffer(code, np.uint8))
        if ids:
            index.add(np.array(ids, np.int64), np.stack(codes))
        index.rebuild()
        return index

    def __len__(self) -> int:
        return len(self._ids) + self._pending_count

    def resident_bytes(self) -> int:
        """Bytes of the arrays held: codes, ids, the 16 tables' row numbers and offsets."""
        pending = sum(i.nbytes + c.nbytes for i, c in self._pending)
        return self._codes.nbytes + self._ids.nbytes + self._order.nbytes + self._starts.nbytes + pending

    def add(self, ids: npt.ArrayLike, codes: npt.ArrayLike) -> None:
        """Add codes with their ids; they are searchable at once."""
        arr = _as_codes(codes)
        id_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(id_arr) != len(arr):
            raise InvalidInput(f"{len(id_arr)} ids for {len(arr)} codes")
        self._pending.append((id_arr, arr))
        self._pending_count += len(id_arr)
        if self._pending_count > max(4096, len(self._ids) // 8):
            self.rebuild()

    def rebuild(self) -> None:
        """Merge pending codes into the tables."""
        if self._pending:
            self._ids = np.concatenate([self._ids] + [i for i, _ in self._pending])
            self._codes = np.concatenate([self._codes] + [c for _, c in self._pending])
            self._pending = []
            self._pending_count = 0
        n = len(self._ids)
        if n < TABLES_FROM:
            self._order, self._starts, self._built = np.zeros(0, np.int32), np.zeros((_CHUNKS, 0), np.int64), 0
            return
        keys = _chunks(self._codes)
        self._order = np.argsort(keys, axis=0, kind="stable").T.ravel().astype(np.int32)  # row numbers < 2**31
        starts = np.zeros((_CHUNKS, 65537), np.int64)
        for t in range(_CHUNKS):
            starts[t, 1:] = np.cumsum(np.bincount(keys[:, t], minlength=65536))
            starts[t] += t * n
        self._starts = starts
        self._built = len(self._ids)

    def search(self, code: bytes, radius: int = 31) -> list[tuple[int, int]]:
        """(id, distance) of every code within `radius` bits, nearest first."""
        if len(code) != CODE_BYTES:
            raise InvalidInput(f"a query hash must be 32 bytes, got {len(code)}")
        if not 0 <= radius <= 16 * (_MAX_FLIPS + 1) - 1:
            raise InvalidInput(f"radius {radius} is outside 0..47")
        query = np.frombuffer(code, np.uint8).reshape(1, CODE_BYTES)
        rows = self._candidates(query, radius // _CHUNKS)
        row_d = _distances(self._codes[rows], query)
        rows = np.unique(rows[row_d <= radius])  # a code can surface in several tables
        ids = [self._ids[rows], self._ids[self._built:]]  # rows the tables do not cover are scanned
        dists = [_distances(self._codes[rows], query), _distances(self._codes[self._built:], query)]
        if len(self._pending) > 1:
            # Many small adds: scan the buffer as one array, not one numpy call per add.
            merged = (np.concatenate([i for i, _ in self._pending]),
                      np.concatenate([c for _, c in self._pending]))  # fmt: skip
            self._pending = [merged]
        for p_ids, p_codes in self._pending:
            ids.append(p_ids)
            dists.append(_distances(p_codes, query))
        all_ids, all_d = np.concatenate(ids), np.concatenate(dists)
        keep = all_d <= radius
        pairs = sorted(zip(all_d[keep].tolist(), all_ids[keep].tolist()))
        return [(i, d) for d, i in pairs]

    def _candidates(self, query: npt.NDArray[np.uint8], flips: int) -> npt.NDArray[np.int64]:
        if self._built == 0:
            return np.zeros(0, np.int64)
        keys = _chunks(query)[0]  # (16,)
        probes = keys[:, None] ^ _flip_masks(flips)[None, :]  # (16, p)
        rows = np.arange(_CHUNKS)[:, None]
        lo = self._starts[rows, probes].ravel()
        counts = self._starts[rows, probes + 1].ravel() - lo
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, np.int64)
        # Flatten the CSR ranges [lo, hi) of every probe into one index array.
        offsets = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        return np.asarray(self._order[np.arange(total) + offsets], np.int64)

    def save(self, directory: Path) -> None:
        """Write ids and codes to `directory` (tables are rebuilt on load)."""
        self.rebuild()
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "codes.npy", self._codes, allow_pickle=False)
        np.save(directory / "ids.npy", self._ids, allow_pickle=False)
        (directory / "index.json").write_text(json.dumps({"format": _FORMAT, "size": len(self)}))

    @classmethod
    def load(cls, directory: Path) -> HashIndex:
        """Read an index written by `save`."""
        try:
            meta = json.loads((directory / "index.json").read_text())
            codes = np.load(directory / "codes.npy", allow_pickle=False)
            ids = np.load(directory / "ids.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise MalformedFingerprint(f"cannot read hash index in {directory}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or len(ids) != len(codes):
            raise MalformedFingerprint(f"{directory} is not a hash index of this version")
        index = cls()
        if len(ids):
            index.add(ids.astype(np.int64), codes)
        index.rebuild()
        return index
