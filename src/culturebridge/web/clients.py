"""Who is on the other end: the client's address (proxies trusted only when configured) and rate limits.

`X-Forwarded-For` is a list any client can write. It is believed only when the connection
comes from an address in the `trusted_proxies` setting, and then only up to the first hop
that is not itself a trusted proxy (read right to left, RFC 7239 §5.2 on the same header
family); otherwise the client is the connection's own address. So rotating the header from
outside changes nothing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

from culturebridge.errors import RateLimited
from culturebridge.storage.ratelimit import SharedRateLimiter

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_proxies(setting: str) -> tuple[Network, ...]:
    """The networks of a `trusted_proxies` setting ("10.0.0.1, 192.168.0.0/16")."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def resolve_client(peer: str, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client address given the connection's peer and its X-Forwarded-For header."""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def client_address(request: Request) -> str:
    """This request's client address (see the module's notes on proxies)."""
    peer = request.client.host if request.client else "unknown"
    setting: str = request.app.state.platform.settings.trusted_proxies
    if not setting:
        return peer
    return resolve_client(peer, request.headers.get("x-forwarded-for"), parse_proxies(setting))


def rate_limit(request: Request, key: str, per_minute: int) -> None:
    """Count a request against `key`; RateLimited (429 with Retry-After) past `per_minute`."""
    limiter: SharedRateLimiter = request.app.state.rate_limiter
    if per_minute and not limiter.allow(key, per_minute):
        raise RateLimited(f"too many requests from this {key.split(':', 1)[0]}",
                          hint="slow down and retry after the Retry-After seconds",
                          retry_after=limiter.retry_after())


def limit_client(request: Request) -> str:
    """Rate-limit the request's client address (anonymous routes); return the address."""
    address = client_address(request)
    rate_limit(request, f"client:{address}", request.app.state.platform.settings.client_rate_per_minute)
    return address


def is_https(request: Request) -> bool:
    """Whether cookies should be `Secure`: setting `cookie_secure` always/never, else (auto) the
    request came over HTTPS — directly, or per `X-Forwarded-Proto` from a trusted proxy."""
    settings = request.app.state.platform.settings
    if settings.cookie_secure in ("always", "never"):
        return bool(settings.cookie_secure == "always")
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and bool(settings.trusted_proxies) and _trusted(peer, parse_proxies(settings.trusted_proxies))
