"""The local media store through its protocol: staging, ranges, local files, the sweep's grace."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from culturebridge.errors import FileTooLarge, NotFound
from culturebridge.storage import LocalMediaStore


def _put(store: LocalMediaStore, data: bytes) -> str:
    staged = store.stage(io.BytesIO(data), max_size=1 << 20)
    assert store.commit(staged)
    return staged.sha256


def test_streams_ranges_and_local_files(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    data = bytes(range(256)) * 10
    key = _put(store, data)
    with store.open(key) as fh:
        assert fh.read() == data
    with store.open_range(key, 10, 19) as fh:
        assert fh.read() == data[10:20]
    assert store.size(key) == len(data)
    with store.local_file(key) as path:
        assert path.read_bytes() == data
    store.delete(key)
    with pytest.raises(NotFound):
        store.size(key)
    with pytest.raises(NotFound), store.local_file(key):
        pass


def test_limit_is_enforced_while_streaming(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    with pytest.raises(FileTooLarge):
        store.stage(io.BytesIO(b"x" * 2048), max_size=1024)
    assert list((tmp_path / "media" / "tmp").iterdir()) == []


def test_sweep_spares_referenced_and_young_blobs(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    kept, young, old = _put(store, b"kept"), _put(store, b"young"), _put(store, b"old")
    with store.local_file(old) as path:
        an_hour_ago = time.time() - 3600
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert store.sweep([kept], grace_seconds=600) == [old]
    assert set(store.keys()) == {kept, young}
    assert sorted(store.sweep([kept])) == [young]
