"""Creating a data directory: folders, the schema, every stage's keys, the first admin."""

from __future__ import annotations

import os

from culturebridge.accounts import User, create_user, list_users
from culturebridge.errors import Conflict
from culturebridge.pipeline.stages import KEY_MAKERS
from culturebridge.platform import MARKER, Platform, open_media_store
from culturebridge.settings import Settings
from culturebridge.storage import Database


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
    media = open_media_store(settings)
    ensure_bucket = getattr(media, "ensure_bucket", None)  # an S3 store creates its bucket if missing
    if ensure_bucket is not None:
        ensure_bucket()
    platform = Platform(settings, db, media)
    with db.write() as conn:
        if any(u.role == "admin" for u in list_users(conn)):
            raise Conflict(f"{data_dir} is already initialised with an admin", hint="use `culturebridge serve`")
        admin = create_user(conn, admin_username, admin_password, "admin", display_name=admin_username)
    for make_keys in KEY_MAKERS:
        make_keys(settings)
    (data_dir / MARKER).write_text("culturebridge data directory\n", encoding="utf-8")
    return platform, admin
