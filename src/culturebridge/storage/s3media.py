"""A `MediaStore` in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, moto in tests).

Keys are the same SHA-256 content keys as the local store, stored as objects
`<prefix>/<sha256>` in one bucket. An upload is hashed while it arrives into a local spool
file (the size limit enforced on the stream), so the content key is known before anything
reaches the bucket; `stage` then starts uploading the spool under that key in a background
thread — one conditional PUT (If-None-Match: *) for small files, multipart in 8 MiB parts
for large ones — while ingest sniffs and decodes the spool, and `commit` waits for it. The
alternative, streaming to a temporary object and copying it server-side to its content key,
costs a second full write per blob and leaves temporary objects to collect; ingest needs a
local file anyway (content sniffing and probing open a path), so the spool is free. A
refused file's object (and a crash's) is left for `sweep`, never deleted on the spot: the
same content may have just been stored by another ingest.

A crash between `commit` and the database row leaves an unreferenced object (and a crash
mid-upload an incomplete multipart upload); `sweep` removes both once older than a grace
period, so an ingest still in flight in another process is never swept.

Reads retry: botocore retries connection errors, throttling and 5xx answers (standard
mode, exponential backoff), and a read that breaks mid-stream resumes with a ranged GET from
the byte it stopped at, a bounded number of times. Credentials come from the usual AWS
sources (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables, profiles, roles).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from culturebridge.errors import (
    ConfigurationError,
    ExtraNotInstalled,
    MediaStoreUnavailable,
    NotFound,
)
from culturebridge.storage.media import CHUNK, StagedBlob, _check_key, spool

PART_SIZE = 8 * 1024 * 1024
UPLOAD_THREADS = 8
READ_RESUMES = 3  # re-opens of a read broken mid-stream before giving up


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> (bucket, prefix without slashes at either end)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigurationError(f"media URL {url!r} is not s3://BUCKET[/PREFIX]")
    return parts.netloc, parts.path.strip("/")


def s3_client(endpoint_url: str = "", region: str = "", attempts: int = 4) -> Any:
    """A boto3 S3 client with bounded retries and timeouts."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise ExtraNotInstalled("an s3:// media store or corpus", "s3") from exc

    config = Config(
        retries={"max_attempts": attempts, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
        signature_version="s3v4",
        s3={"addressing_style": "path"},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
    )


def _failure(action: str, exc: Exception) -> MediaStoreUnavailable:
    return MediaStoreUnavailable(action, f"{type(exc).__name__}: {exc}")


def _status(exc: Exception) -> int:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return 0
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3MediaStore:
    """A `MediaStore` in bucket `bucket` under `prefix`."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any, spool_dir: Path | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.spool_dir = spool_dir or Path(tempfile.gettempdir()) / "culturebridge-spool"
        self._transfer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[Path, Future[bool]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str = "", region: str = "",
                 spool_dir: Path | None = None) -> S3MediaStore:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, client=s3_client(endpoint_url, region), spool_dir=spool_dir)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def object_name(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (for a fresh deployment or tests)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if not _is_missing(exc):
                raise _failure(f"find bucket {self.bucket}", exc) from exc
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except Exception as exc2:
                raise _failure(f"create bucket {self.bucket}", exc2) from exc2

    # --- writing ---------------------------------------------------------------------------

    def stage(self, source: BinaryIO, max_size: int) -> StagedBlob:
        """Spool and hash `source`, then start uploading it under its content key in the
        background while the caller sniffs and probes the spool; `commit` waits for it."""
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        staged = spool(source, max_size, self.spool_dir)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=UPLOAD_THREADS, thread_name_prefix="s3-upload")
            self._pending[staged.temp_path] = self._pool.submit(self._put, staged)
        return staged

    def _transfer_config(self) -> Any:
        if self._transfer is None:
            from boto3.s3.transfer import TransferConfig

            self._transfer = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                                            max_concurrency=4, use_threads=True)
        return self._transfer

    def _put(self, staged: StagedBlob) -> bool:
        """Store the spool under its key; False when the key already existed."""
        name = self.object_name(staged.sha256)
        try:
            if staged.size > PART_SIZE:  # multipart, in PART_SIZE parts
                if self.exists(staged.sha256):
                    return False
                self.client.upload_file(str(staged.temp_path), self.bucket, name,
                                        ExtraArgs={"Metadata": {"sha256": staged.sha256}},
                                        Config=self._transfer_config())
                return True
            with staged.temp_path.open("rb") as body:
                # One conditional PUT (If-None-Match, RFC 9110 §13.1.2): 412 when already stored.
                # A store ignoring the condition overwrites the same bytes: harmless.
                self.client.put_object(Bucket=self.bucket, Key=name, Body=body, IfNoneMatch="*",
                                       Metadata={"sha256": staged.sha256})
            return True
        except MediaStoreUnavailable:
            raise
        except Exception as exc:
            if _status(exc) == 412:
                return False
            raise _failure(f"store blob {staged.sha256}", exc) from exc

    def commit(self, staged: StagedBlob) -> bool:
        """Wait for the blob's upload; False when it was already stored.
        Raises MediaStoreUnavailable when the store failed (the caller then records nothing)."""
        with self._lock:
            pending = self._pending.pop(staged.temp_path, None)
        try:
            return pending.result() if pending is not None else self._put(staged)
        finally:
            staged.temp_path.unlink(missing_ok=True)

    def put_file(self, key: str, path: Path) -> None:
        """Upload a local file whose SHA-256 is `key` (the caller checked it)."""
        try:
            self.client.upload_file(str(path), self.bucket, self.object_name(key),
                                    ExtraArgs={"Metadata": {"sha256": key}}, Config=self._transfer_config())
        except Exception as exc:
            raise _failure(f"store blob {key}", exc) from exc

    def discard(self, staged: StagedBlob) -> None:
        """Drop a staged blob. An upload already made stays until the sweep (after the grace
        period): deleting it here could remove the same content another ingest just stored."""
        with self._lock:
            pending = self._pending.pop(staged.temp_path, None)
        if pending is not None and not pending.cancel():
            pending.exception()  # wait; a failed upload of a refused file leaves nothing to keep
        staged.temp_path.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))
        except Exception as exc:
            raise _failure(f"delete blob {key}", exc) from exc

    # --- reading ---------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except Exception as exc:
            if _is_missing(exc):
                return False
            raise _failure(f"look up blob {key}", exc) from exc
        return True

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"media blob {key} is missing from the store") from exc
            raise _failure(f"look up blob {key}", exc) from exc
        return int(head["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        return self._reader(key, 0, self.size(key))

    def open_range(self, key: str, start: int, end: int) -> BinaryIO:
        """Bytes `start`..`end` (inclusive, as in an HTTP Range), as a stream that resumes after a broken read."""
        return self._reader(key, start, end + 1)

    def _reader(self, key: str, start: int, stop: int) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(_ObjectReader(self, self.object_name(key), start, max(start, stop)),
                                                CHUNK))

    def local_file(self, key: str) -> AbstractContextManager[Path]:
        return self._local_file(key)

    @contextmanager
    def _local_file(self, key: str) -> Iterator[Path]:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.spool_dir, prefix="read-")
        os.close(fd)
        path = Path(name)
        try:
            self._download(key, path)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def _download(self, key: str, path: Path) -> None:
        """One GET streamed to `path` (a HEAD first, or the transfer manager's threads, would
        cost a round trip more per read); a body broken mid-way resumes with ranged GETs."""
        name = self.object_name(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"cannot read media blob {key}: it is missing from the store") from exc
            raise _failure(f"read blob {key}", exc) from exc
        size = int(answer["ContentLength"])
        reader = _ObjectReader(self, name, 0, size)
        reader._body = answer["Body"]
        with io.BufferedReader(reader, CHUNK) as source, path.open("wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)

    def _objects(self) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""):
                yield from page.get("Contents", [])
        except Exception as exc:
            raise _failure(f"list {self.url}", exc) from exc

    def keys(self) -> Iterator[str]:
        for obj in self._objects():
            name = str(obj["Key"])
            key = name[len(self.prefix) + 1:] if self.prefix else name
            if len(key) == 64 and all(c in "0123456789abcdef" for c in key):
                yield key

    # --- housekeeping ----------------------------------------------------------------------

    def sweep(self, referenced: Iterable[str], grace_seconds: float = 0.0) -> list[str]:
        """Delete unreferenced blobs and abort incomplete multipart uploads older than the grace."""
        keep = set(referenced)
        cutoff = datetime.now(UTC) - timedelta(seconds=grace_seconds)
        removed: list[str] = []
        for obj in self._objects():
            name = str(obj["Key"])
            key = name[len(self.prefix) + 1:] if self.prefix else name
            if len(key) != 64 or key in keep or obj["LastModified"] > cutoff:
                continue
            self.delete(key)
            removed.append(key)
        try:
            uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix).get("Uploads", [])
            for up in uploads:
                if up["Initiated"] <= cutoff:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=up["Key"], UploadId=up["UploadId"])
        except Exception as exc:
            raise _failure(f"clean uploads in {self.url}", exc) from exc
        for leftover in self.spool_dir.glob("upload-*") if self.spool_dir.exists() else ():
            try:
                if leftover.stat().st_mtime < time.time() - grace_seconds:
                    leftover.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
        return removed


class _ObjectReader(io.RawIOBase):
    """A ranged GET read as a stream; a read broken mid-way re-opens from where it stopped."""

    def __init__(self, store: S3MediaStore, name: str, start: int, end: int) -> None:
        self._store = store
        self._name = name
        self._pos = start
        self._end = end
        self._body: Any = None
        self._resumes = 0

    def readable(self) -> bool:
        return True

    def _open(self) -> None:
        try:
            answer = self._store.client.get_object(
                Bucket=self._store.bucket, Key=self._name, Range=f"bytes={self._pos}-{self._end - 1}"
            )
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"media blob {self._name} is missing from the store") from exc
            raise _failure(f"read {self._name}", exc) from exc
        self._body = answer["Body"]

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._end - self._pos)
        if want <= 0:
            return 0
        while True:
            if self._body is None:
                self._open()
            try:
                data = self._body.read(want)
            except Exception as exc:  # connection reset or timeout mid-body
                self._drop()
                self._resumes += 1
                if self._resumes > READ_RESUMES:
                    raise _failure(f"read {self._name}", exc) from exc
                time.sleep(0.2 * self._resumes)
                continue
            if not data:  # the server ended early: resume from here
                self._drop()
                self._resumes += 1
                if self._resumes > READ_RESUMES:
                    raise MediaStoreUnavailable(f"read {self._name}", "the object ended before its size")
                continue
            view[: len(data)] = data
            self._pos += len(data)
            return len(data)

    def _drop(self) -> None:
        if self._body is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail again
                self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()
