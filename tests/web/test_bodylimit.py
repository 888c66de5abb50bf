"""Body limits hold for chunked bodies (no Content-Length): 413 before the body is read in full."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform
from culturebridge.web import create_app
from culturebridge.web.bodylimit import BodyLimits

CHUNK = 64 * 1024


class Body:
    """A chunked request body that counts how much of it the server pulled."""

    def __init__(self, chunks: int, head: bytes = b"") -> None:
        self.total, self.sent, self.head = chunks, 0, head

    async def stream(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        for _ in range(self.total):
            self.sent += 1
            yield b"x" * CHUNK


def _post(platform: Platform, path: str, body: Body, headers: dict[str, str]) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(platform))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(path, content=body.stream(), headers=headers)

    return asyncio.run(run())


def _bearer(platform: Platform, username: str) -> str:
    with platform.db.write() as conn:
        return "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "test")


def test_an_anonymous_chunked_event_body_is_refused_after_64_kib(platform: Platform) -> None:
    body = Body(chunks=4800)  # 300 MiB if read in full
    response = _post(platform, "/api/v1/events", body, {
        "content-type": "application/json", "x-csrf-token": "t" * 32,
        "cookie": "cb_csrf=" + "t" * 32 + "; cb_viewer=v-0123456789abcdef"})
    assert response.status_code == 413 and "larger than" in response.json()["message"]
    assert body.sent <= 3, f"the server read {body.sent} chunks of a body it refuses"


def test_an_anonymous_chunked_verify_body_stops_at_the_verify_limit(platform: Platform) -> None:
    limit = BodyLimits.from_settings(platform.settings).verify
    chunks = 4 * limit // CHUNK
    body = Body(chunks, head=b"--b\r\nContent-Disposition: form-data; name=\"media\"; filename=\"m.bin\"\r\n\r\n")
    response = _post(platform, "/api/v1/verify", body, {"content-type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413
    assert body.sent <= limit // CHUNK + 2, f"read {body.sent} of {chunks} chunks"


def test_an_authenticated_chunked_upload_is_refused_at_the_upload_limit(platform: Platform) -> None:
    limit = BodyLimits.from_settings(platform.settings).upload
    chunks = 8 * limit // CHUNK
    head = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\r\n\x89PNG\r\n\x1a\n"
    body = Body(chunks, head=head)
    response = _post(platform, "/api/v1/works/w-any/assets", body, {
        "content-type": "multipart/form-data; boundary=b", "authorization": _bearer(platform, "mei")})
    assert response.status_code == 413
    assert body.sent <= limit // CHUNK + 2, f"read {body.sent} of {chunks} chunks"
    assert list(platform.media.keys()) == []


def test_json_and_form_routes_take_only_small_bodies(platform: Platform) -> None:
    body = Body(chunks=320)  # 20 MiB
    response = _post(platform, "/api/v1/works", body, {
        "content-type": "application/json", "authorization": _bearer(platform, "mei")})
    assert response.status_code == 413
    assert body.sent <= platform.settings.max_request_bytes // CHUNK + 2
    login = Body(chunks=320)
    assert _post(platform, "/login", login, {"content-type": "application/x-www-form-urlencoded"}).status_code == 413
    assert login.sent <= platform.settings.max_request_bytes // CHUNK + 2


def test_limits_per_route() -> None:
    limits = BodyLimits(upload=100, verify=200, default=10, event=5)
    assert limits.for_request("POST", "/api/v1/works/w-1/assets") == 100
    assert limits.for_request("POST", "/studio/works/w-1/assets") == 100
    assert limits.for_request("POST", "/studio/works/w-1/localize/en/xliff") == 100
    assert limits.for_request("POST", "/verify") == 200
    assert limits.for_request("POST", "/api/v1/verify") == 200
    assert limits.for_request("POST", "/api/v1/events") == 5
    assert limits.for_request("POST", "/api/v1/works") == 10
    assert limits.for_request("PUT", "/api/v1/works/w-1/assets") == 10
