"""The running platform: settings, the database and the media store, opened together.

`init_platform` makes a fresh data directory usable (folders, schema, keys, first admin);
`open_platform` opens an initialised one. Nothing here runs at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from culturebridge.accounts.users import User, create_user, list_users
from culturebridge.catalog.assets import IngestLimits, referenced_keys
from culturebridge.errors import ConfigurationError, Conflict, DataDirNotInitialised
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore, MediaStore
from culturebridge.storage.shared import LocalSharedFiles, S3SharedFiles, SharedFiles

MARKER = ".culturebridge"


@dataclass
class Platform:
    settings: Settings
    db: Database
    media: MediaStore
    shared: SharedFiles | None = None

    def __post_init__(self) -> None:
        if self.shared is None:
            self.shared = shared_files(self.settings, self.media)

    @property
    def files(self) -> SharedFiles:
        """Files every process of the deployment shares (saved indexes, feed snapshots)."""
        assert self.shared is not None
        return self.shared

    @property
    def limits(self) -> IngestLimits:
        return IngestLimits(self.settings.max_upload_bytes, self.settings.max_image_pixels)

    def close(self) -> None:
        self.db.close()


def open_platform(settings: Settings) -> Platform:
    """Open an initialised data directory; DataDirNotInitialised otherwise."""
    data_dir = settings.data_dir
    if not (data_dir / MARKER).exists():
        raise DataDirNotInitialised(str(data_dir))
    db = Database.open(settings.resolved_database_url)
    db.migrate()
    return Platform(settings, db, media_store(settings))


def media_store(settings: Settings, url: str | None = None) -> MediaStore:
    """The media store `url` (default: the `media_url` setting) names: a folder or s3://BUCKET/PREFIX."""
    target = settings.media_url if url is None else url
    if target.startswith("s3://"):
        from culturebridge.storage.s3media import S3MediaStore

        return S3MediaStore.from_url(target, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                                     spool_dir=settings.data_dir / "spool")
    if not target:
        return LocalMediaStore(settings.resolved_media_dir)
    if target.startswith("file://"):
        target = target[len("file://"):]
    if "://" in target:
        raise ConfigurationError(f"media URL {target!r} is neither a folder nor s3://BUCKET/PREFIX")
    return LocalMediaStore(Path(target))


def shared_files(settings: Settings, media: MediaStore) -> SharedFiles:
    """Where saved indexes and snapshots go: beside the media (same bucket, or the data folder)."""
    from culturebridge.storage.s3media import S3MediaStore

    if isinstance(media, S3MediaStore):
        return S3SharedFiles(media.client, media.bucket, media.prefix)
    return LocalSharedFiles(settings.data_dir / "shared")


def init_platform(settings: Settings, admin_username: str, admin_password: str) -> tuple[Platform, User]:
    """Create folders, migrate the schema, create keys and the first admin."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_media_dir.mkdir(parents=True, exist_ok=True)
    keys = settings.keys_dir
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    db = Database.open(settings.resolved_database_url)
    db.migrate()
    media = media_store(settings)
    ensure = getattr(media, "ensure_bucket", None)
    if ensure is not None:
        ensure()
    platform = Platform(settings, db, media)
    with db.write() as conn:
        if any(u.role == "admin" for u in list_users(conn)):
            raise Conflict(f"{data_dir} is already initialised with an admin", hint="use `culturebridge serve`")
        admin = create_user(conn, admin_username, admin_password, "admin", display_name=admin_username)
    from culturebridge.pipeline.stages import key_makers

    for make_keys in key_makers():
        make_keys(settings)
    (data_dir / MARKER).write_text("culturebridge data directory\n", encoding="utf-8")
    return platform, admin


def sweep_media(platform: Platform) -> list[str]:
    # Only blobs older than `media_sweep_grace_seconds` go: another process may be between
    # storing a blob and committing its row.
    """Remove blobs no asset refers to (left by a crash between store and commit)."""
    with platform.db.read() as conn:
        keep = referenced_keys(conn)
    return platform.media.sweep(keep, platform.settings.media_sweep_grace_seconds)

