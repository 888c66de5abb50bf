"""Parallel logins cannot pass the back-off together: the check and the count are one step.

Runs on SQLite and PostgreSQL. The clock is fixed so that "one more attempt is allowed" is
exact; then N clients post a wrong password at once (a barrier releases them together) and
exactly one of them may reach the password check.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from culturebridge.accounts import create_user, throttle
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.web import create_app
from tests.web.conftest import PASSWORD, csrf_of

FIXED = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
RACERS = 8


@pytest.fixture
def any_platform(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", database_url="" if database_url.startswith("sqlite") else database_url,
                        login_failures_allowed=3)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    with platform.db.write() as conn:
        create_user(conn, "mei", PASSWORD, "creator")
    yield platform
    platform.close()


def _race(platform: Platform, username: str, password: str) -> list[int]:
    clients = [TestClient(create_app(platform), headers={"accept": "text/html"}) for _ in range(RACERS)]
    forms = [{"username": username, "password": password, "csrf": csrf_of(c.get("/login").text)} for c in clients]
    barrier = threading.Barrier(RACERS)
    codes: list[int] = [0] * RACERS

    def attempt(i: int) -> None:
        barrier.wait()
        codes[i] = clients[i].post("/login", data=forms[i], follow_redirects=False).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_parallel_failures_pass_the_back_off_only_as_often_as_allowed(
    any_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("culturebridge.web.pages.now", lambda: FIXED)
    one = TestClient(create_app(any_platform), headers={"accept": "text/html"})
    for _ in range(2):  # two of the three allowed failures, one at a time
        page = one.get("/login")
        assert one.post("/login", data={"username": "mei", "password": "wrong", "csrf": csrf_of(page.text)},
                        follow_redirects=False).status_code == 401
    codes = _race(any_platform, "mei", "wrong")
    assert sorted(codes) == [401] + [429] * (RACERS - 1), codes  # one more check, never several
    with any_platform.db.read() as conn:
        assert throttle.wait_seconds(conn, {throttle.account_key("mei"): 3}, FIXED) > 0


def test_successes_in_a_race_leave_no_failures_behind(any_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("culturebridge.web.pages.now", lambda: FIXED)
    codes = _race(any_platform, "mei", PASSWORD)
    # attempts in flight count against the limit (that is what stops parallel guessing), so a
    # burst of right passwords may see some 429s, but at least one logs in and none is a failure
    assert 303 in codes and set(codes) <= {303, 429}, codes
    with any_platform.db.read() as conn:
        assert throttle.wait_seconds(conn, {throttle.account_key("mei"): 1, throttle.client_key("testclient"): 1},
                                     FIXED) == 0
