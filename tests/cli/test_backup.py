"""`backup` copies a running platform; `restore` rebuilds it elsewhere and proves it whole."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from culturebridge.cli import main
from culturebridge.platform import open_platform
from culturebridge.settings import load_settings
from tests.conftest import _drop_postgres_database, _fresh_postgres_database
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


def _writer(stop: threading.Event, written: list[int]) -> None:
    """Append to both audit logs and add works, one short transaction at a time, until stopped."""
    from culturebridge.labels import log_event
    from culturebridge.review.audit import append

    platform = open_platform(load_settings())
    try:
        while not stop.is_set():
            with platform.db.write() as conn:
                log_event(conn, "check", actor="backup-test", detail=f"row {written[0]}")
                append(conn, "note", None, actor=None, automated=True, detail=f"row {written[0]}")
            written[0] += 1
            time.sleep(0.005)
    finally:
        platform.close()


def test_backup_while_writing_restores_exactly_on_each_backend(
    database_url: str, postgres_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pg = database_url.startswith("postgresql")
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(tmp_path / "data"))
    if pg:
        monkeypatch.setenv("CULTUREBRIDGE_DATABASE_URL", database_url)
    assert main(["init", "--password", "admin-password"]) == 0
    for seed in (1, 2):
        work = _json(capsys, ["works", "add", "--title", f"zh=剪纸{seed}", "--json"])
        image = tmp_path / f"{seed}.png"
        image.write_bytes(png_bytes(seed=seed))
        _json(capsys, ["assets", "add", str(work["id"]), str(image), "--json"])
        assert main(["rights", "register", str(work["id"])]) == 0
    stop, written = threading.Event(), [0]
    writer = threading.Thread(target=_writer, args=(stop, written))
    writer.start()
    try:
        while written[0] < 20:  # the writer is running before the backup starts
            time.sleep(0.01)
        manifest = _json(capsys, ["backup", str(tmp_path / "bk"), "--json"])
        during = written[0]
        while written[0] < during + 20:  # ... and still writing after it
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert manifest["database"] == ("postgresql" if pg else "sqlite") and manifest["media_files"] == 2
    audit = manifest["audit"]
    assert isinstance(audit, dict) and audit["label_events"]["rows"] >= 20
    assert audit["label_events"]["rows"] < written[0]  # a snapshot, not the live tables at the end

    target = None
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(tmp_path / "restored"))
    if pg:
        assert postgres_url is not None
        target = _fresh_postgres_database(postgres_url)
        monkeypatch.setenv("CULTUREBRIDGE_DATABASE_URL", target)
    try:
        checked = _json(capsys, ["restore", str(tmp_path / "bk"), "--json"])
        assert checked["assets_checked"] == 2 and checked["log_size"] == 2
        assert checked["audit"] == audit  # exactly the snapshot's rows, on both backends
        if pg:  # a second restore into the now non-empty database is refused, not merged
            monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(tmp_path / "again"))
            assert main(["restore", str(tmp_path / "bk")]) == 4
    finally:
        if target is not None:
            _drop_postgres_database(postgres_url or "", target)
