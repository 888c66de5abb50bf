"""`backup` copies a running platform; `restore` rebuilds it elsewhere and proves it whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebridge.cli import main
from tests.factories import png_bytes


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, dict)
    return out


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(data))
    assert main(["init", "--password", "admin-password"]) == 0
    for seed in (1, 2):
        work = _json(capsys, ["works", "add", "--title", f"zh=剪纸{seed}", "--json"])
        image = tmp_path / f"{seed}.png"
        image.write_bytes(png_bytes(seed=seed))
        _json(capsys, ["assets", "add", str(work["id"]), str(image), "--json"])
        assert main(["rights", "register", str(work["id"])]) == 0
    assert main(["labels", "check", str(image)]) in (0, 6)  # a labelling action in the log either way
    return data


def test_backup_then_restore_into_a_fresh_folder_verifies(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _json(capsys, ["backup", str(tmp_path / "bk"), "--json"])
    assert manifest["database"] == "sqlite" and manifest["media_files"] == 2
    assert main(["backup", str(tmp_path / "bk")]) == 4  # never into a non-empty folder
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(tmp_path / "restored"))
    checked = _json(capsys, ["restore", str(tmp_path / "bk"), "--json"])
    assert checked["assets_checked"] == 2 and checked["log_size"] == 2
    assert checked["audit"] == manifest["audit"]
    assert (tmp_path / "restored" / "keys").stat().st_mode & 0o777 == 0o700


def test_restore_refuses_a_tampered_backup(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", str(tmp_path / "bk")]) == 0
    blob = next(p for p in (tmp_path / "bk" / "media").rglob("*") if p.is_file())
    blob.write_bytes(b"swapped")
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(tmp_path / "restored"))
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "bk")]) == 6
    assert "media-hash" in capsys.readouterr().err
