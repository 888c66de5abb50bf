"""How the platform opens the rights log from its settings: key file, origin, TSA."""

from __future__ import annotations

from pathlib import Path

from culturebridge.rights.keys import create_log_key, load_log_key
from culturebridge.rights.log import LogSigner, TransparencyLog
from culturebridge.rights.timestamp import TimestampAuthority
from culturebridge.settings import Settings
from culturebridge.storage import Database


def log_key_path(settings: Settings) -> Path:
    """Where the log's Ed25519 key lives: `<data_dir>/keys/log.pem`."""
    return settings.keys_dir / "log.pem"


def make_log_key(settings: Settings) -> None:
    """Create the log key if missing (a key maker for `culturebridge init`)."""
    if not log_key_path(settings).exists():
        create_log_key(log_key_path(settings))


def open_log(db: Database, settings: Settings) -> TransparencyLog:
    """The platform's log: signs with its key and origin, timestamps when a TSA URL is set."""
    signer = LogSigner(settings.log_origin, load_log_key(log_key_path(settings)))
    timestamper = TimestampAuthority(settings.tsa_url) if settings.tsa_url else None
    return TransparencyLog(db, signer, timestamper)
