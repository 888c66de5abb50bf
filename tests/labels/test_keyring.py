"""The platform's labelling keys: made by `init`, mode 0600, loaded by jobs and the CLI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from culturebridge.errors import InvalidLabel, SigningCredentialsMissing
from culturebridge.labels import (
    make_platform_keys,
    platform_keys,
    produced,
    sign_producer,
    verify_codes,
)
from culturebridge.labels.keyring import c2pa_dir, label_key_path
from culturebridge.platform import Platform
from culturebridge.settings import Settings


def test_init_makes_keys_readable_only_by_the_owner(labels_platform: Platform) -> None:
    settings = labels_platform.settings
    files = [label_key_path(settings), *c2pa_dir(settings).iterdir()]
    assert {p.name for p in files} == {
        "label-ed25519.pem",
        "c2pa-chain.pem",
        "c2pa-ca.pem",
        "c2pa-signer.key",
    }
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(c2pa_dir(settings).stat().st_mode) == 0o700


def test_loaded_keys_sign_and_verify(labels_platform: Platform) -> None:
    keys = platform_keys(labels_platform.settings)
    label = sign_producer(produced(keys.propagator, "x1"), keys.label_key)
    assert verify_codes(label, (keys.label_key.public_key(),))[0].value == "valid"
    assert b"BEGIN CERTIFICATE" in keys.credentials.chain_pem


def test_making_keys_again_keeps_the_existing_ones(labels_platform: Platform) -> None:
    settings = labels_platform.settings
    before = label_key_path(settings).read_bytes(), (c2pa_dir(settings) / "c2pa-chain.pem").read_bytes()
    make_platform_keys(settings)
    after = label_key_path(settings).read_bytes(), (c2pa_dir(settings) / "c2pa-chain.pem").read_bytes()
    assert before == after


def test_missing_keys_say_how_to_make_them(tmp_path: Path) -> None:
    with pytest.raises(SigningCredentialsMissing, match="no labelling keys") as caught:
        platform_keys(Settings(data_dir=tmp_path))
    assert caught.value.hint is not None and "culturebridge init" in caught.value.hint


def test_propagator_code_must_use_the_annex_e_charset(tmp_path: Path) -> None:
    with pytest.raises(InvalidLabel):
        make_platform_keys(Settings(data_dir=tmp_path, label_propagator="my platform"))
    assert not label_key_path(Settings(data_dir=tmp_path)).exists()
