"""Named files every process of a deployment shares: saved indexes and feed snapshots.

Media blobs are content-addressed; these are not (a fingerprint library is saved under its
signature, a feed snapshot under its generation), so they live beside the media, not among
them: in `<data_dir>/shared/` for a local deployment, under `<prefix>/_shared/` in the
bucket for an S3 one. Writes are whole-file (a local rename, or one S3 PUT), so a reader
sees an old file or a new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from culturebridge.errors import InvalidInput, MediaStoreUnavailable


@dataclass(frozen=True)
class SharedEntry:
    name: str
    modified: float  # seconds since the epoch


class SharedFiles(Protocol):
    def put(self, name: str, path: Path) -> None: ...

    def get(self, name: str, dest: Path) -> bool: ...

    def list(self, prefix: str) -> list[SharedEntry]: ...

    def delete(self, name: str) -> None: ...


def _check(name: str) -> None:
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise InvalidInput(f"{name!r} is not a shared file name")


class LocalSharedFiles:
    """Shared files in a folder (one machine, or a shared network folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, name: str, path: Path) -> None:
        _check(name)
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)

    def get(self, name: str, dest: Path) -> bool:
        _check(name)
        try:
            shutil.copyfile(self.root / name, dest)
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[SharedEntry]:
        folder = self.root / prefix
        if not folder.is_dir():
            return []
        out = []
        for path in folder.iterdir():
            if path.is_file() and not path.name.startswith("."):
                try:
                    out.append(SharedEntry(f"{prefix}/{path.name}", path.stat().st_mtime))
                except FileNotFoundError:
                    continue
        return out

    def delete(self, name: str) -> None:
        _check(name)
        (self.root / name).unlink(missing_ok=True)


class S3SharedFiles:
    """Shared files as objects `<prefix>/_shared/<name>` in the media bucket."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.base = f"{prefix.strip('/')}/_shared/" if prefix.strip("/") else "_shared/"

    def put(self, name: str, path: Path) -> None:
        _check(name)
        try:
            self.client.upload_file(str(path), self.bucket, self.base + name)
        except Exception as exc:
            raise MediaStoreUnavailable(f"save {name}", str(exc)) from exc

    def get(self, name: str, dest: Path) -> bool:
        _check(name)
        try:
            self.client.download_file(self.bucket, self.base + name, str(dest))
        except Exception as exc:
            response = getattr(exc, "response", None)
            if isinstance(response, dict) and str(response.get("Error", {}).get("Code")) in ("404", "NoSuchKey"):
                return False
            raise MediaStoreUnavailable(f"load {name}", str(exc)) from exc
        return True

    def list(self, prefix: str) -> list[SharedEntry]:
        out = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.base}{prefix}/"
            ):
                for obj in page.get("Contents", []):
                    out.append(SharedEntry(str(obj["Key"])[len(self.base):], obj["LastModified"].timestamp()))
        except Exception as exc:
            raise MediaStoreUnavailable(f"list {prefix}", str(exc)) from exc
        return out

    def delete(self, name: str) -> None:
        _check(name)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.base + name)
        except Exception as exc:
            raise MediaStoreUnavailable(f"delete {name}", str(exc)) from exc
