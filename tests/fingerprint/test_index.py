"""Multi-index hashing over 256-bit codes: exactness against brute force, adds, save/load."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from culturebridge.errors import InvalidInput, MalformedFingerprint
from culturebridge.fingerprint.index import TABLES_FROM, HashIndex


def _flip(code: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = code.copy()
    for b in bits:
        out[b // 8] ^= 1 << (b % 8)
    return out


def _brute(codes: np.ndarray, q: np.ndarray, radius: int) -> set[int]:
    d = np.unpackbits(codes ^ q, axis=1).sum(axis=1)
    return set(np.nonzero(d <= radius)[0].tolist())


@pytest.mark.parametrize("n", [300, TABLES_FROM - 41, 20_000])  # scanned linearly, just below tables, tables
def test_search_is_exact_against_brute_force(n: int) -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    # Plant near neighbours of the first codes at distances around the radius.
    planted = [_flip(codes[i], rng.choice(256, 25 + i % 10, replace=False)) for i in range(40)]
    codes = np.vstack([codes, np.array(planted)])
    index = HashIndex()
    index.add(np.arange(len(codes) - 20), codes[:-20])
    index.rebuild()
    index.add(np.arange(len(codes) - 20, len(codes)), codes[-20:])  # after the build: in the buffer
    for i in range(40):
        got = index.search(codes[i].tobytes(), 31)
        assert {g for g, _ in got} == _brute(codes, codes[i], 31)
        assert got[0] == (i, 0)
        assert all(a[1] <= b[1] for a, b in itertools.pairwise(got))


def test_incremental_adds_are_searchable_before_and_after_rebuild() -> None:
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 256, (100, 32), dtype=np.uint8)
    index = HashIndex.from_rows((i, codes[i].tobytes()) for i in range(50))
    index.add([1000 + i for i in range(50)], codes[50:])
    assert len(index) == 100
    assert index.search(codes[70].tobytes())[0] == (1020, 0)
    index.rebuild()
    assert index.search(codes[70].tobytes())[0] == (1020, 0)
    assert index.search(codes[3].tobytes())[0] == (3, 0)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    index = HashIndex()
    index.add(np.arange(500) * 7, codes)
    index.save(tmp_path / "idx")
    loaded = HashIndex.load(tmp_path / "idx")
    assert len(loaded) == 500
    q = _flip(codes[9], np.arange(20))
    assert loaded.search(q.tobytes(), 31) == [(63, 20)]


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    index = HashIndex()
    assert index.search(bytes(32)) == []
    with pytest.raises(InvalidInput):
        index.search(b"short")
    with pytest.raises(InvalidInput):
        index.search(bytes(32), radius=80)
    with pytest.raises(InvalidInput):
        index.add([1], np.zeros((1, 16), np.uint8))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "index.json").write_text("{not json")
    with pytest.raises(MalformedFingerprint):
        HashIndex.load(tmp_path / "broken")
