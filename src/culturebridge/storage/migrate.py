"""Copy media between stores (a folder and an S3 bucket, either way), resumably.

Each key is copied on its own: read from the source through a SHA-256 hasher into the
target's staging, checked against the key, then committed. A key already in the target is
skipped (its content is named by its hash), so an interrupted migration is resumed by
running it again. `verify_existing` re-reads those skipped keys from the target and
re-hashes them as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from culturebridge.errors import Error, MediaCorrupt
from culturebridge.storage.media import CHUNK, MediaStore


@dataclass
class MigrationReport:
    copied: int = 0
    present: int = 0
    missing: list[str] = field(default_factory=list)  # referenced but not in the source
    failed: dict[str, str] = field(default_factory=dict)  # key -> why

    @property
    def ok(self) -> bool:
        return not self.missing and not self.failed


def hash_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def migrate_media(source: MediaStore, target: MediaStore, keys: Iterable[str], *, verify_existing: bool = False,
                  progress: Callable[[int, str], None] | None = None) -> MigrationReport:
    """Copy `keys` from `source` to `target`; every copied blob is re-hashed on the way."""
    report = MigrationReport()
    for n, key in enumerate(sorted(set(keys)), start=1):
        try:
            if target.exists(key):
                if verify_existing:
                    with target.open(key) as fh:
                        actual = hash_stream(fh)
                    if actual != key:
                        raise MediaCorrupt(key, actual)
                report.present += 1
                state = "present"
            elif not source.exists(key):
                report.missing.append(key)
                state = "missing"
            else:
                with source.open(key) as fh:
                    staged = target.stage(fh, max_size=1 << 50)
                if staged.sha256 != key:
                    target.discard(staged)
                    raise MediaCorrupt(key, staged.sha256)
                target.commit(staged)
                report.copied += 1
                state = "copied"
        except Error as exc:
            report.failed[key] = exc.diagnostic()
            state = "failed"
        if progress is not None:
            progress(n, state)
    return report
