"""Media served through the app from either store, with HTTP byte ranges (RFC 9110 §14)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from culturebridge.accounts import get_user_by_name
from culturebridge.catalog._tables import assets
from culturebridge.errors import MediaStoreUnavailable
from culturebridge.jobs import ingest
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.web import create_app
from tests.factories import make_work, png_bytes
from tests.s3server import free_port
from tests.web.conftest import PASSWORD, login


@pytest.fixture(params=["local", "s3"])
def any_platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    media_url, endpoint = "", ""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_env")
        media_url = request.getfixturevalue("s3_url")
    settings = Settings(data_dir=tmp_path / "data", media_url=media_url, s3_endpoint_url=endpoint)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    yield platform
    platform.close()


def test_raw_asset_answers_ranges(any_platform: Platform) -> None:
    data = png_bytes(200, 150, seed=3)
    with any_platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        work = make_work(conn, admin)
        asset = ingest(conn, any_platform, admin, work.id, io.BytesIO(data), "pic.png")
    with TestClient(create_app(any_platform), headers={"accept": "text/html"}) as client:
        login(client, "admin")
        url = f"/studio/assets/{asset.id}/raw"
        whole = client.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["accept-ranges"] == "bytes"
        part = client.get(url, headers={"Range": "bytes=10-99"})
        assert part.status_code == 206 and part.content == data[10:100]
        assert part.headers["content-range"] == f"bytes 10-99/{len(data)}"
        tail = client.get(url, headers={"Range": "bytes=-16"})
        assert tail.status_code == 206 and tail.content == data[-16:]
        outside = client.get(url, headers={"Range": f"bytes={len(data)}-"})
        assert outside.status_code == 416 and outside.headers["content-range"] == f"bytes */{len(data)}"


def test_upload_to_an_unreachable_store_records_nothing(tmp_path: Path, s3_env: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", media_url="s3://gone/media",
                        s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    local = Settings(data_dir=tmp_path / "data")
    platform, _ = init_platform(local, "admin", PASSWORD)  # initialised while the store was fine
    platform.close()
    from culturebridge.platform import open_platform

    platform = open_platform(settings)
    try:
        with pytest.raises(MediaStoreUnavailable), platform.db.write() as conn:
            admin = get_user_by_name(conn, "admin")
            work = make_work(conn, admin)
            ingest(conn, platform, admin, work.id, io.BytesIO(png_bytes()), "pic.png")
        with platform.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(assets)).scalar_one() == 0
    finally:
        platform.close()
