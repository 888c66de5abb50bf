from __future__ import annotations

import stat
from pathlib import Path

from culturebridge.rights.platform import log_key_path, make_log_key, open_log
from culturebridge.settings import Settings
from culturebridge.storage import Database


def test_init_makes_the_key_once_and_the_log_opens_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_origin="museum.example/rights")
    make_log_key(settings)
    key = log_key_path(settings).read_bytes()
    make_log_key(settings)  # idempotent: `init` may run twice
    assert log_key_path(settings).read_bytes() == key
    assert stat.S_IMODE(log_key_path(settings).stat().st_mode) == 0o600
    db = Database.open(f"sqlite:///{tmp_path / 'cb.db'}")
    db.migrate()
    try:
        log = open_log(db, settings)
        assert log.timestamper is None
        log.append([b"entry"])
        assert log.sign_checkpoint().note.startswith("museum.example/rights\n1\n")
        assert open_log(db, settings.with_overrides(tsa_url="http://127.0.0.1:9/")).timestamper is not None
    finally:
        db.close()
