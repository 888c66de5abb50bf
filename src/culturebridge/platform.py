"""The running platform: settings, the database and the media store, opened together.

`init_platform` makes a fresh data directory usable (folders, schema, keys, first admin);
`open_platform` opens an initialised one. Nothing here runs at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from culturebridge.accounts.users import User, create_user, list_users
from culturebridge.catalog.assets import IngestLimits, referenced_keys
from culturebridge.errors import Conflict, DataDirNotInitialised
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore

MARKER = ".culturebridge"


@dataclass
class Platform:
    settings: Settings
    db: Database
    media: LocalMediaStore

    @property
    def limits(self) -> IngestLimits:
        return IngestLimits(self.settings.max_upload_bytes, self.settings.max_image_pixels,
                            self.settings.max_unpacked_bytes)

    def close(self) -> None:
        self.db.close()


def open_platform(settings: Settings) -> Platform:
    """Open an initialised data directory; DataDirNotInitialised otherwise."""
    data_dir = settings.data_dir
    if not (data_dir / MARKER).exists():
        raise DataDirNotInitialised(str(data_dir))
    db = Database.open(settings.resolved_database_url, settings.db_busy_seconds)
    db.migrate()
    return Platform(settings, db, LocalMediaStore(settings.resolved_media_dir))


def init_platform(settings: Settings, admin_username: str, admin_password: str) -> tuple[Platform, User]:
    """Create folders, migrate the schema, create keys and the first admin."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_media_dir.mkdir(parents=True, exist_ok=True)
    keys = settings.keys_dir
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    db = Database.open(settings.resolved_database_url, settings.db_busy_seconds)
    db.migrate()
    platform = Platform(settings, db, LocalMediaStore(settings.resolved_media_dir))
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
    """Remove blobs no asset refers to (left by a crash between store and commit), once older than
    `sweep_grace_seconds` (a younger one may belong to another process's ingest in flight)."""
    with platform.db.read() as conn:
        keep = referenced_keys(conn)
    return platform.media.sweep(keep, older_than=platform.settings.sweep_grace_seconds)

