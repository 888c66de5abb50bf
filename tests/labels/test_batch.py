"""`labels check` over many files through the batch path (in this process; Ray in tests/scale)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import ExtraNotInstalled
from culturebridge.labels import AIGCLabel, check_file, write_label
from culturebridge.labels.batch import check_files


def test_every_file_is_reported_once_in_order_as_check_file_would(
    media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    paths = []
    for i, name in enumerate(["a.png", "a.jpg", "a.png", "a.jpg", "a.png"]):
        path = tmp_path / f"{i}-{name}"
        path.write_bytes(write_label(media[name], label) if i % 2 == 0 else media[name])
        paths.append(path)
    keys = (Ed25519PrivateKey.generate().public_key(),)  # travels as raw bytes, rebuilt per batch
    seen: list[int] = []
    reports = check_files(paths, public_keys=keys, batch=2, progress=lambda done, total: seen.append(done))
    assert seen == [2, 4, 5]
    assert [r.source for r in reports] == [str(p) for p in paths]
    assert [r.to_dict() for r in reports] == [check_file(p, public_keys=keys).to_dict() for p in paths]
    assert [r.label is not None for r in reports] == [True, False, True, False, True]


def test_ray_without_the_extra_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if `culturebridge[ray]` were not installed
    with pytest.raises(ExtraNotInstalled) as raised:
        check_files([tmp_path / "x.png"], ray_address="127.0.0.1:1")
    assert "culturebridge[ray]" in raised.value.diagnostic()
