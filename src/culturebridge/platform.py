"""The opened platform: settings, the database and the media store, handed around together.

`open_platform` opens an initialised data directory. Creating one (folders, schema, keys, the
first admin) needs every stage's key makers, so it lives at the top, in
`culturebridge.pipeline.init_platform`. Nothing here runs at import time.

The media store is a local folder by default, or an S3-compatible bucket when `media_url` is
`s3://BUCKET/PREFIX`; the shared files (saved indexes, feed snapshots every process loads)
live beside the media: in `<data_dir>/shared/`, or under `PREFIX/_shared/` in the bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from culturebridge.catalog import IngestLimits, referenced_keys
from culturebridge.errors import ConfigurationError, DataDirNotInitialised
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore, MediaStore
from culturebridge.storage.shared import LocalSharedFiles, S3SharedFiles, SharedFiles

MARKER = ".culturebridge"


@dataclass
class Platform:
    settings: Settings
    db: Database
    media: MediaStore
    shared: SharedFiles | None = field(default=None)

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
        return IngestLimits(self.settings.max_upload_bytes, self.settings.max_image_pixels,
                            self.settings.max_unpacked_bytes, self.settings.max_whole_decode_pixels)

    def close(self) -> None:
        self.db.close()


def open_media_store(settings: Settings, url: str | None = None) -> MediaStore:
    """The media store `url` (default: the `media_url` setting) names: a folder or s3://BUCKET/PREFIX."""
    target = settings.media_url if url is None else url
    if target.startswith("s3://"):
        from culturebridge.storage.s3media import S3MediaStore

        return S3MediaStore.from_url(target, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                                     spool_dir=settings.data_dir / "spool")
    if not target:
        return LocalMediaStore(settings.resolved_media_dir)
    target = target.removeprefix("file://")
    if "://" in target:
        raise ConfigurationError(f"media URL {target!r} is neither a folder nor s3://BUCKET/PREFIX")
    return LocalMediaStore(Path(target))


def shared_files(settings: Settings, media: MediaStore) -> SharedFiles:
    """Where saved indexes and snapshots go: beside the media (same bucket, or the data folder)."""
    from culturebridge.storage.s3media import S3MediaStore

    if isinstance(media, S3MediaStore):
        return S3SharedFiles(media.client, media.bucket, media.prefix)
    return LocalSharedFiles(settings.data_dir / "shared")


def open_platform(settings: Settings) -> Platform:
    """Open an initialised data directory; DataDirNotInitialised otherwise."""
    data_dir = settings.data_dir
    if not (data_dir / MARKER).exists():
        raise DataDirNotInitialised(str(data_dir))
    db = Database.open(settings.resolved_database_url, settings.db_busy_seconds)
    db.migrate()
    return Platform(settings, db, open_media_store(settings))


def sweep_media(platform: Platform, grace_seconds: float | None = None) -> list[str]:
    """Remove blobs no asset refers to (left by a crash between store and commit).

    Only blobs older than `grace_seconds` (default: the `media_sweep_grace_seconds` setting)
    go: a younger one may be another process's ingest that has stored its file and not yet
    committed the asset row.
    """
    with platform.db.read() as conn:
        keep = referenced_keys(conn)
    grace = platform.settings.media_sweep_grace_seconds if grace_seconds is None else grace_seconds
    return platform.media.sweep(keep, grace)
