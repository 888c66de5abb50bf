from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from culturebridge.accounts import create_user
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.web import create_app

PASSWORD = "password-for-tests"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", max_upload_bytes=2_000_000)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    with platform.db.write() as conn:
        for name, role in (("mei", "creator"), ("bo", "creator"), ("rita", "reviewer")):
            create_user(conn, name, PASSWORD, role)
    yield platform
    platform.close()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as c:
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf": csrf_of(page.text), "next": "/studio"}
    )
    assert response.status_code == 200, response.text
    return csrf_of(client.get("/studio").text)
