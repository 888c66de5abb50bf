"""Slow work runs outside the write transaction, and a writer that cannot get the lock answers 503."""

from __future__ import annotations

import io
import sqlite3
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.cli import main
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.web import create_app
from tests.factories import make_work, png_bytes
from tests.web.conftest import PASSWORD, csrf_of


def _db_file(platform: Platform) -> Path:
    return platform.settings.data_dir / "culturebridge.db"


def write_lock_is_free(db_file: Path) -> bool:
    """Whether another connection could start a write transaction right now (SQLite's own lock)."""
    conn = sqlite3.connect(db_file, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _watch(monkeypatch: pytest.MonkeyPatch, target: str, db_file: Path) -> list[bool]:
    """Wrap a function so each call records whether the write lock was free while it ran."""
    seen: list[bool] = []
    module_name, name = target.rsplit(".", 1)
    module = __import__(module_name, fromlist=[name])
    original: Callable[..., Any] = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(write_lock_is_free(db_file))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, watched)
    return seen


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "t"),
                "accept": "application/json"}


def _work(platform: Platform, owner: str = "mei") -> str:
    with platform.db.write() as conn:
        return make_work(conn, get_user_by_name(conn, owner)).id


def test_a_web_upload_is_decoded_with_no_write_lock_held(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _watch(monkeypatch, "culturebridge.catalog.assets.probe", _db_file(platform))
    work_id = _work(platform)
    upload = client.post(f"/api/v1/works/{work_id}/assets", headers=_bearer(platform, "mei"),
                         files={"file": ("a.png", png_bytes(), "image/png")})
    assert upload.status_code == 201, upload.text
    assert seen == [True]


def test_bulk_assets_add_decodes_outside_the_lock_and_commits_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(data))
    assert main(["init", "--password", "admin-password"]) == 0
    capsys.readouterr()
    assert main(["works", "add", "--kind", "image", "--title", "zh=剪纸", "--json"]) == 0
    import json

    work_id = json.loads(capsys.readouterr().out)["id"]
    files = []
    for n in range(4):
        path = tmp_path / f"f{n}.png"
        path.write_bytes(png_bytes(seed=n))
        files.append(str(path))
    seen = _watch(monkeypatch, "culturebridge.catalog.assets.probe", data / "culturebridge.db")
    assert main(["assets", "add", work_id, *files, "--json"]) == 0
    assert seen == [True] * 4


def test_password_hashing_at_login_runs_outside_the_write_lock(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from culturebridge.accounts import users

    db_file = _db_file(platform)
    seen: list[bool] = []
    real = users._hasher

    class Watched:
        def verify(self, stored: str, password: str) -> bool:
            seen.append(write_lock_is_free(db_file))
            return real.verify(stored, password)

    monkeypatch.setattr(users, "_hasher", Watched())
    page = client.get("/login")
    done = client.post("/login", data={"username": "mei", "password": PASSWORD, "csrf": csrf_of(page.text)})
    assert done.status_code == 200
    assert seen == [True]


def _docx(extra: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, body in extra.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_a_zip_bomb_docx_is_refused_from_its_directory(client: TestClient, platform: Platform) -> None:
    bomb = _docx({f"word/media/part{n}.bin": b"\x00" * (1 << 20) for n in range(300)})  # 300 MiB unpacked
    assert len(bomb) < 1_000_000
    work_id = _work(platform)
    refused = client.post(f"/api/v1/works/{work_id}/assets", headers=_bearer(platform, "mei"),
                          files={"file": ("bomb.docx", bomb, "application/octet-stream")})
    assert refused.status_code == 413 and "zip bomb" in refused.json()["hint"]
    assert list(platform.media.keys()) == []
    small = client.post(f"/api/v1/works/{work_id}/assets", headers=_bearer(platform, "mei"),
                        files={"file": ("ok.docx", _docx({}), "application/octet-stream")})
    assert small.status_code == 201, small.text


@pytest.fixture
def busy_platform(tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", db_busy_seconds=1)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    yield platform
    platform.close()


def test_a_write_blocked_by_another_process_answers_503_with_retry_after(busy_platform: Platform) -> None:
    client = TestClient(create_app(busy_platform))
    admin = _bearer(busy_platform, "admin")
    other = sqlite3.connect(_db_file(busy_platform), timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a long `assets add` in another process
    try:
        blocked = client.post("/api/v1/works", headers=admin,
                              json={"kind": "story", "original_language": "zh", "titles": {"zh": "x"}})
        assert blocked.status_code == 503, blocked.text
        assert blocked.headers["retry-after"].isdigit() and blocked.json()["error"] == "DatabaseBusy"
        assert client.get("/api/v1/works", headers=admin).status_code == 200  # reads still answer
    finally:
        other.execute("ROLLBACK")
        other.close()
    done = client.post("/api/v1/works", headers=admin,
                       json={"kind": "story", "original_language": "zh", "titles": {"zh": "x"}})
    assert done.status_code == 201


def test_a_write_blocked_inside_this_process_answers_503(busy_platform: Platform) -> None:
    client = TestClient(create_app(busy_platform))
    admin = _bearer(busy_platform, "admin")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with busy_platform.db.write():
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(30)
        blocked = client.post("/api/v1/works", headers=admin,
                              json={"kind": "story", "original_language": "zh", "titles": {"zh": "x"}})
        assert blocked.status_code == 503 and "retry-after" in blocked.headers
    finally:
        release.set()
        thread.join()
