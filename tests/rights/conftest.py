from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.platform import Platform
from culturebridge.rights.log import LogSigner, TransparencyLog
from culturebridge.rights.platform import make_log_key
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore


@pytest.fixture
def sqlite_log(tmp_path: Path) -> Iterator[TransparencyLog]:
    """A log on a fresh, migrated SQLite database (for tests that need no second backend)."""
    db = Database.open(f"sqlite:///{tmp_path / 'rights.db'}")
    db.migrate()
    try:
        yield TransparencyLog(db, LogSigner("culturebridge.test/log", Ed25519PrivateKey.generate()))
    finally:
        db.close()


@pytest.fixture
def rights_platform(database: Database, tmp_path: Path) -> Platform:
    """A platform on each backend in turn, with its log key, ready to register works."""
    settings = Settings(data_dir=tmp_path / "data", log_origin="culturebridge.test/rights")
    settings.keys_dir.mkdir(parents=True, mode=0o700)
    make_log_key(settings)
    return Platform(settings, database, LocalMediaStore(tmp_path / "data" / "media"))
