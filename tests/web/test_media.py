"""Stored media served through the media store, whole or by HTTP Range (RFC 9110 §14)."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name
from culturebridge.jobs import ingest
from culturebridge.platform import Platform
from culturebridge.web.media import _byte_range
from tests.factories import make_work, png_bytes
from tests.web.conftest import login


def _stored_png(platform: Platform) -> tuple[str, bytes]:
    data = png_bytes(120, 90)
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        asset = ingest(conn, platform, mei, make_work(conn, mei).id, io.BytesIO(data), "cut.png")
    return asset.id, data


def test_whole_file_then_ranges_then_an_unsatisfiable_range(platform: Platform, client: TestClient) -> None:
    asset_id, data = _stored_png(platform)
    login(client, "mei")
    url = f"/studio/assets/{asset_id}/raw"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-type"] == "image/png"
    first = client.get(url, headers={"range": "bytes=0-9"})
    assert first.status_code == 206 and first.content == data[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(data)}"
    tail = client.get(url, headers={"range": "bytes=-7"})
    assert tail.status_code == 206 and tail.content == data[-7:]
    rest = client.get(url, headers={"range": f"bytes={len(data) - 5}-"})
    assert rest.status_code == 206 and rest.content == data[-5:]
    past = client.get(url, headers={"range": f"bytes={len(data)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(data)}"


def test_another_creator_cannot_read_the_file(platform: Platform, client: TestClient) -> None:
    asset_id, _ = _stored_png(platform)
    login(client, "bo")
    assert client.get(f"/studio/assets/{asset_id}/raw", headers={"range": "bytes=0-9"}).status_code == 404


def test_range_header_parsing() -> None:
    assert _byte_range(None, 100) is None
    assert _byte_range("bytes=0-0", 100) == (0, 0)
    assert _byte_range("bytes=90-200", 100) == (90, 99)
    assert _byte_range("bytes=-0", 100) == "unsatisfiable"
    assert _byte_range("bytes=5-2", 100) == "unsatisfiable"
    assert _byte_range("bytes=0-1,5-6", 100) is None  # several ranges: the whole file is a valid answer
    assert _byte_range("items=0-1", 100) is None
