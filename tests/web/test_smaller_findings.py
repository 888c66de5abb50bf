"""Numeric bounds answer 422, logins back off, cookies are Secure over HTTPS (the sweep's grace: tests/storage/test_media.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform
from culturebridge.web import create_app
from tests.web.conftest import PASSWORD, csrf_of


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "t"),
                "accept": "application/json"}


def test_out_of_range_numbers_answer_422_not_500(platform: Platform) -> None:
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    admin = _bearer(platform, "admin")
    for params in ({"offset": "9223372036854775808"}, {"offset": "-1"}, {"limit": "0"}, {"limit": "10**9"},
                   {"limit": "99999999999999999999"}):
        assert client.get("/api/v1/works", params=params, headers=admin).status_code == 422, params
    assert client.get("/api/v1/works", params={"offset": "5", "limit": "3"}, headers=admin).status_code == 200
    assert client.get("/verify/entries/9223372036854775808/bundle.json").status_code == 422
    for path in ("/log/consistency?from=0&to=9223372036854775808",
                 "/log/inclusion?index=9223372036854775808&size=1"):
        assert client.get(path).status_code in (404, 422), path
    assert client.get("/api/v1/feed", params={"market": "US/en", "n": "9" * 30}).status_code == 422


def _attempt(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": csrf_of(page.text)}, follow_redirects=False).status_code


def test_failed_logins_back_off_per_account(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fixed clock: the first back-off is 1 s, which a loaded machine can outlast between attempts.
    monkeypatch.setattr("culturebridge.web.pages.now", lambda: datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    strict = dataclasses.replace(platform, settings=platform.settings.with_overrides(login_failures_allowed=3))
    client = TestClient(create_app(strict), headers={"accept": "text/html"})
    codes = [_attempt(client, "mei", "wrong-password") for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and 429 in codes[3:]
    assert _attempt(client, "mei", PASSWORD) == 429  # even the right password waits: no oracle while throttled
    assert _attempt(client, "bo", PASSWORD) == 303  # another account from the same client still logs in


def test_the_session_cookie_is_secure_over_https(platform: Platform) -> None:
    plain = TestClient(create_app(platform), headers={"accept": "text/html"})
    page = plain.get("/login")
    done = plain.post("/login", data={"username": "mei", "password": PASSWORD, "csrf": csrf_of(page.text)},
                      follow_redirects=False)
    assert done.status_code == 303 and "secure" not in done.headers["set-cookie"].lower()
    https = TestClient(create_app(platform), base_url="https://testserver", headers={"accept": "text/html"})
    page = https.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()  # the anonymous CSRF cookie too
    done = https.post("/login", data={"username": "bo", "password": PASSWORD, "csrf": csrf_of(page.text)},
                      follow_redirects=False)
    assert done.status_code == 303 and "secure" in done.headers["set-cookie"].lower()
    always = dataclasses.replace(platform, settings=platform.settings.with_overrides(cookie_secure="always"))
    assert "secure" in TestClient(create_app(always)).get("/login").headers["set-cookie"].lower()
