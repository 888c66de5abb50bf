"""Client addresses trust X-Forwarded-For only from configured proxies; rate limits hold across processes."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from culturebridge.platform import Platform
from culturebridge.storage import Database
from culturebridge.storage.ratelimit import SharedRateLimiter
from culturebridge.web import create_app
from culturebridge.web.clients import parse_proxies, resolve_client


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = parse_proxies("10.0.0.1, 192.168.0.0/16")
    assert resolve_client("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"  # not a proxy: header ignored
    assert resolve_client("10.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    # A client writing its own header only prepends: the hop the proxy saw is the rightmost untrusted one.
    assert resolve_client("10.0.0.1", "6.6.6.6, 1.2.3.4", proxies) == "1.2.3.4"
    assert resolve_client("10.0.0.1", "1.2.3.4, 192.168.1.7", proxies) == "1.2.3.4"
    assert resolve_client("10.0.0.1", None, proxies) == "10.0.0.1"
    assert resolve_client("10.0.0.1", "1.2.3.4", parse_proxies("")) == "10.0.0.1"


def test_rotating_forwarded_for_does_not_escape_the_limit(platform: Platform) -> None:
    limited = dataclasses.replace(platform, settings=platform.settings.with_overrides(client_rate_per_minute=5))
    client = TestClient(create_app(limited))
    codes = [client.post("/api/v1/verify", headers={"x-forwarded-for": f"198.51.100.{i}"}).status_code
             for i in range(8)]
    assert codes[:5] == [422] * 5  # nothing to verify: refused, but counted
    assert codes[5:] == [429] * 3
    refused = client.post("/api/v1/verify")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_the_limit_is_shared_by_processes(database: Database) -> None:
    first, second = SharedRateLimiter(database, sync_seconds=0.0), SharedRateLimiter(database, sync_seconds=0.0)
    at = 1_000_000.0
    allowed = [first.allow("client:1.2.3.4", 10, at) for _ in range(6)]
    allowed += [second.allow("client:1.2.3.4", 10, at) for _ in range(6)]
    assert allowed == [True] * 10 + [False] * 2
    assert first.allow("client:other", 10, at) and second.allow("client:1.2.3.4", 10, at + 60)  # next minute
