"""Content-addressed media storage behind a small `MediaStore` interface.

Blobs are named by the SHA-256 of their bytes, so the same file stored twice takes one
place, and a key is a proof of content. `LocalMediaStore` keeps them under
`<root>/<aa>/<sha256>` (256 folders, as git does: a deeper fan-out costs a mkdir per early file); writes go to a temporary file in the same folder tree and are
renamed into place, so a crash never leaves a half-written blob under a real key.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from culturebridge.errors import FileTooLarge, InvalidInput, NotFound

CHUNK = 1 << 20


@dataclass(frozen=True)
class StagedBlob:
    """A blob hashed and written aside, not yet visible under its key."""

    sha256: str
    size: int
    head: bytes  # the first bytes, for content sniffing
    temp_path: Path


class MediaStore(Protocol):
    """Where asset bytes live; keys are lowercase hex SHA-256 digests.

    The only door to media: callers stream with `open`, and a tool that needs a file on disk
    (ffmpeg, ffprobe) asks for `local_file`, which an object store meets by downloading to a
    temporary file. No caller knows where a store keeps its bytes.
    """

    def stage(self, source: BinaryIO, max_size: int) -> StagedBlob:
        """Hash `source` into a staged blob, refusing more than `max_size` bytes as they arrive."""

    def commit(self, staged: StagedBlob) -> bool:
        """Make a staged blob readable under its key; False when that content was already stored."""

    def discard(self, staged: StagedBlob) -> None:
        """Drop a staged blob that will not be committed."""

    def open(self, key: str) -> BinaryIO:
        """Stream a stored blob; NotFound when it is missing."""

    def open_range(self, key: str, start: int, end: int) -> BinaryIO:
        """Stream bytes `start`..`end` (inclusive, as in an HTTP Range) of a stored blob."""

    def size(self, key: str) -> int:
        """The stored blob's length in bytes; NotFound when it is missing."""

    def local_file(self, key: str) -> AbstractContextManager[Path]:
        """A file on local disk holding the blob, valid inside the `with` block (read-only use)."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""

    def delete(self, key: str) -> None:
        """Remove a blob (no error when it is already gone)."""

    def keys(self) -> Iterator[str]:
        """Every stored key."""

    def sweep(self, referenced: Iterable[str], grace_seconds: float = 0.0) -> list[str]:
        """Delete blobs not in `referenced` and older than `grace_seconds`; return their keys."""


def spool(source: BinaryIO, max_size: int, folder: Path) -> StagedBlob:
    """Stream `source` to a temporary file in `folder` while hashing; refuse more than `max_size` bytes."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_size:
                    raise FileTooLarge(
                        f"file is larger than the limit of {max_size:,} bytes",
                        hint="raise max_upload_bytes in the settings or upload a smaller file",
                    )
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return StagedBlob(digest.hexdigest(), size, head, Path(name))


class LocalMediaStore:
    """A `MediaStore` in a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._made: set[Path] = set()  # folders known to exist: saves a syscall per blob

    def _path(self, key: str) -> Path:
        _check_key(key)
        return self.root / key[:2] / key

    def stage(self, source: BinaryIO, max_size: int) -> StagedBlob:
        """Stream `source` to a temporary file while hashing; refuse more than `max_size` bytes."""
        self._ensure(self._tmp)
        return spool(source, max_size, self._tmp)

    def commit(self, staged: StagedBlob) -> bool:
        """Move a staged blob under its key; False when the content was already stored."""
        target = self._path(staged.sha256)
        if target.exists():
            staged.temp_path.unlink(missing_ok=True)
            return False
        self._ensure(target.parent)
        os.replace(staged.temp_path, target)
        return True

    def _ensure(self, folder: Path) -> None:
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)

    def discard(self, staged: StagedBlob) -> None:
        staged.temp_path.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"media blob {key} is missing from the store") from exc

    def open_range(self, key: str, start: int, end: int) -> BinaryIO:
        fh = self.open(key)
        fh.seek(start)
        return cast(BinaryIO, io.BufferedReader(_Limited(fh, end - start + 1)))

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise NotFound(f"media blob {key} is missing from the store") from exc

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        """The blob's own file (no copy): callers must not modify it."""
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"media blob {key} is missing from the store")
        yield path

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for path in self.root.glob("??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name

    def sweep(self, referenced: Iterable[str], grace_seconds: float = 0.0) -> list[str]:
        """Delete blobs no asset refers to and stale uploads older than `grace_seconds`; return the keys."""
        keep = set(referenced)
        cutoff = time.time() - grace_seconds
        removed = [key for key in self.keys() if key not in keep and _older(self._path(key), cutoff)]
        for key in removed:
            self.delete(key)
        if self._tmp.exists():
            for leftover in self._tmp.iterdir():
                if _older(leftover, cutoff):
                    leftover.unlink(missing_ok=True)
        return removed


class _Limited(io.RawIOBase):
    """At most `remaining` bytes of an open file, closed with it."""

    def __init__(self, inner: BinaryIO, remaining: int) -> None:
        self._inner = inner
        self._remaining = max(0, remaining)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._remaining <= 0:
            return 0
        view = memoryview(buffer)[: self._remaining]
        n = self._inner.readinto(view)  # type: ignore[attr-defined]
        self._remaining -= n
        return int(n)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime <= cutoff
    except OSError:  # removed meanwhile
        return False


def _check_key(key: str) -> None:
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise InvalidInput(f"{key!r} is not a media key (a lowercase SHA-256 hex digest)")
