"""The opened platform: settings, the database and the media store, handed around together.

`open_platform` opens an initialised data directory. Creating one (folders, schema, keys, the
first admin) needs every stage's key makers, so it lives at the top, in
`culturebridge.pipeline.init_platform`. Nothing here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from culturebridge.catalog import IngestLimits, referenced_keys
from culturebridge.errors import DataDirNotInitialised
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore, MediaStore

MARKER = ".culturebridge"
SWEEP_GRACE_SECONDS = 3600  # a blob younger than this may belong to another process's open ingest


@dataclass
class Platform:
    settings: Settings
    db: Database
    media: MediaStore

    @property
    def limits(self) -> IngestLimits:
        return IngestLimits(self.settings.max_upload_bytes, self.settings.max_image_pixels)

    def close(self) -> None:
        self.db.close()


def open_media_store(settings: Settings) -> MediaStore:
    """The media store the settings name (a local folder by default)."""
    return LocalMediaStore(settings.resolved_media_dir)


def open_platform(settings: Settings) -> Platform:
    """Open an initialised data directory; DataDirNotInitialised otherwise."""
    data_dir = settings.data_dir
    if not (data_dir / MARKER).exists():
        raise DataDirNotInitialised(str(data_dir))
    db = Database.open(settings.resolved_database_url)
    db.migrate()
    return Platform(settings, db, open_media_store(settings))


def sweep_media(platform: Platform, grace_seconds: float = SWEEP_GRACE_SECONDS) -> list[str]:
    """Remove blobs no asset refers to (left by a crash between store and commit).

    Only blobs older than `grace_seconds` go: a younger one may be another process's
    ingest that has stored its file and not yet committed the asset row.
    """
    with platform.db.read() as conn:
        keep = referenced_keys(conn)
    return platform.media.sweep(keep, grace_seconds)
