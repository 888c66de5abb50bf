"""The S3 media store against a real S3-protocol server (moto), healthy and failing."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from culturebridge.errors import FileTooLarge, MediaStoreUnavailable, NotFound
from culturebridge.storage.media import LocalMediaStore
from culturebridge.storage.s3media import S3MediaStore, parse_s3_url, s3_client
from tests.s3server import FlakyProxy, free_port


def _store(url: str, endpoint: str, tmp_path: Path, attempts: int = 4) -> S3MediaStore:
    bucket, prefix = parse_s3_url(url)
    return S3MediaStore(bucket, prefix, client=s3_client(endpoint, attempts=attempts), spool_dir=tmp_path / "spool")


def _put(store: S3MediaStore | LocalMediaStore, data: bytes) -> str:
    staged = store.stage(io.BytesIO(data), max_size=1 << 30)
    assert staged.sha256 == hashlib.sha256(data).hexdigest() and staged.size == len(data)
    store.commit(staged)
    return staged.sha256


def test_blobs_round_trip_by_content_key(s3_url: str, s3_env: str, tmp_path: Path) -> None:
    store = _store(s3_url, s3_env, tmp_path)
    data = os.urandom(300_000)
    key = _put(store, data)
    assert store.exists(key) and store.size(key) == len(data)
    with store.open(key) as fh:
        assert fh.read() == data
    with store.open_range(key, 1000, 2499) as fh:
        assert fh.read() == data[1000:2500]
    with store.local_file(key) as path:
        assert path.read_bytes() == data
    assert not path.exists()
    again = store.stage(io.BytesIO(data), max_size=1 << 30)
    assert store.commit(again) is False and not again.temp_path.exists()
    assert list(store.keys()) == [key]
    store.delete(key)
    assert not store.exists(key) and list(store.keys()) == []
    with pytest.raises(NotFound):
        store.size(key)


def test_large_blobs_go_up_in_parts(s3_url: str, s3_env: str, tmp_path: Path) -> None:
    store = _store(s3_url, s3_env, tmp_path)
    data = os.urandom(20 * 1024 * 1024)
    key = _put(store, data)
    head = store.client.head_object(Bucket=store.bucket, Key=store.object_name(key))
    assert "-" in head["ETag"]  # a multipart upload's ETag is "<md5 of md5s>-<parts>"
    assert head["Metadata"]["sha256"] == key
    with store.open_range(key, len(data) - 10, len(data) - 1) as fh:
        assert fh.read() == data[-10:]


def test_the_size_limit_is_enforced_while_streaming(s3_url: str, s3_env: str, tmp_path: Path) -> None:
    store = _store(s3_url, s3_env, tmp_path)
    with pytest.raises(FileTooLarge):
        store.stage(io.BytesIO(b"x" * 5000), max_size=4096)
    assert list(store.keys()) == [] and list((tmp_path / "spool").iterdir()) == []


def test_sweep_keeps_referenced_and_young_blobs_and_aborts_stale_uploads(
    s3_url: str, s3_env: str, tmp_path: Path
) -> None:
    store = _store(s3_url, s3_env, tmp_path)
    kept, stray = _put(store, b"kept"), _put(store, b"stray")
    upload = store.client.create_multipart_upload(Bucket=store.bucket, Key=store.object_name("0" * 64))
    assert store.sweep({kept}, grace_seconds=3600) == []  # too young to be sure
    assert store.sweep({kept}, grace_seconds=0) == [stray]
    assert set(store.keys()) == {kept}
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert upload["UploadId"] not in [u["UploadId"] for u in uploads]


def test_unreachable_store_fails_clearly_and_keeps_nothing(s3_env: str, tmp_path: Path) -> None:
    store = _store("s3://nowhere/media", f"http://127.0.0.1:{free_port()}", tmp_path, attempts=2)
    staged = store.stage(io.BytesIO(b"some bytes"), max_size=1000)
    with pytest.raises(MediaStoreUnavailable, match="unavailable"):
        store.commit(staged)
    assert not staged.temp_path.exists()
    with pytest.raises(MediaStoreUnavailable):
        store.exists(staged.sha256)


def test_a_store_answering_503_fails_uploads_and_reads_retry(s3_url: str, s3_env: str, tmp_path: Path) -> None:
    healthy = _store(s3_url, s3_env, tmp_path)
    data = os.urandom(50_000)
    key = _put(healthy, data)
    always = FlakyProxy(s3_env, lambda method, path, n: 503)
    try:
        sick = _store(s3_url, always.url, tmp_path, attempts=2)
        staged = sick.stage(io.BytesIO(b"new"), max_size=1000)
        with pytest.raises(MediaStoreUnavailable):
            sick.commit(staged)
    finally:
        always.stop()
    assert set(healthy.keys()) == {key}
    # The first two GETs fail with 503, the third is cut after 1000 bytes: the read still completes.
    flaky = FlakyProxy(s3_env, lambda method, path, n: (503 if n <= 2 else ("cut", 1000) if n == 3 else None)
                       if method == "GET" else None)
    try:
        reader = _store(s3_url, flaky.url, tmp_path, attempts=4)
        with reader.open_range(key, 0, len(data) - 1) as fh:
            assert fh.read() == data
    finally:
        flaky.stop()


def test_an_s3_store_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from culturebridge.errors import ExtraNotInstalled

    monkeypatch.setitem(sys.modules, "boto3", None)  # as if `culturebridge[s3]` were not installed
    with pytest.raises(ExtraNotInstalled) as raised:
        S3MediaStore.from_url("s3://bucket/media", endpoint_url="http://127.0.0.1:1")
    assert "culturebridge[s3]" in raised.value.diagnostic() and raised.value.exit_code == 8
