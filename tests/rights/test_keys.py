from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from culturebridge.errors import InvalidInput, KeyFileError
from culturebridge.rights.keys import (
    create_log_key,
    load_log_key,
    public_key_bytes,
    public_key_from_base64,
)


def test_created_key_is_private_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.pem"
    key = create_log_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_bytes(load_log_key(path)) == public_key_bytes(key)


def test_create_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    create_log_key(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        create_log_key(path)
    assert path.read_bytes() == before


def test_load_refuses_readable_missing_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    create_log_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_log_key(path)
    with pytest.raises(KeyFileError, match="does not exist"):
        load_log_key(tmp_path / "nope.pem")
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    os.chmod(bad, 0o600)
    with pytest.raises(KeyFileError, match="not an unencrypted PEM"):
        load_log_key(bad)


def test_public_key_from_base64_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput):
        public_key_from_base64("not base64!")
    with pytest.raises(InvalidInput):
        public_key_from_base64("AAAA")
