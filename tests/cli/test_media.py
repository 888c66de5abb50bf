"""`culturebridge media migrate` between a folder and S3: resumable, every blob re-hashed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebridge.cli import main
from culturebridge.platform import open_media_store
from culturebridge.settings import load_settings
from culturebridge.storage.media import LocalMediaStore
from tests.factories import png_bytes


def _add_images(tmp_path: Path, capsys: pytest.CaptureFixture[str], n: int) -> list[str]:
    capsys.readouterr()
    assert main(["works", "add", "--title", "zh=剪纸", "--json"]) == 0
    work = json.loads(capsys.readouterr().out)
    keys = []
    for i in range(n):
        image = tmp_path / f"p{i}.png"
        image.write_bytes(png_bytes(40 + i, 30, seed=i))
        assert main(["assets", "add", work["id"], str(image), "--json"]) == 0
        keys.append(json.loads(capsys.readouterr().out)["added"][0]["sha256"])
    return keys


def test_migrate_to_s3_resumes_and_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_url: str, s3_env: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(data))
    monkeypatch.setenv("CULTUREBRIDGE_S3_ENDPOINT_URL", s3_env)
    assert main(["init", "--password", "admin-password"]) == 0
    keys = _add_images(tmp_path, capsys, 3)
    settings = load_settings()
    target = open_media_store(settings, s3_url)
    # An earlier run stopped after one blob: the next run copies the rest only.
    local = LocalMediaStore(data / "media")
    with local.open(keys[0]) as fh:
        target.commit(target.stage(fh, 1 << 20))
    capsys.readouterr()
    assert main(["media", "migrate", "--to", s3_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["copied"] == 2 and report["present"] == 1 and not report["failed"]
    assert set(target.keys()) == set(keys)
    assert main(["media", "migrate", "--to", s3_url, "--json", "--verify-existing"]) == 0
    assert json.loads(capsys.readouterr().out)["present"] == 3
    # Now served from S3; migrate back into an empty folder, where one blob was corrupted on the way.
    monkeypatch.setenv("CULTUREBRIDGE_MEDIA_URL", s3_url)
    back = tmp_path / "back"
    assert main(["media", "migrate", "--to", str(back)]) == 0
    restored = LocalMediaStore(back)
    assert set(restored.keys()) == set(keys)
    (back / keys[1][:2] / keys[1]).write_bytes(b"rotten")
    assert main(["media", "migrate", "--to", str(back), "--verify-existing"]) == 7
    assert "sha256" in capsys.readouterr().err
