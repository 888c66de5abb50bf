"""Endpoints to audit: `NAME=BASE_URL[@MODEL]` specs, their limits and where their keys come from.

API keys are never part of a spec, a run's stored config, a report or a log line: they are
read at call time from `CULTUREBRIDGE_AUDIT_KEY_<NAME>` (NAME upper-cased, other characters
as `_`), falling back to the `llm_api_key` setting, and live only inside the HTTP client.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from culturebridge.errors import EndpointSpecInvalid

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
KEY_ENV_PREFIX = "CULTUREBRIDGE_AUDIT_KEY_"


@dataclass(frozen=True)
class Endpoint:
    """One OpenAI-compatible endpoint: a name for reports, where it is, which model, how hard to push it."""

    name: str
    base_url: str
    model: str = "default"
    concurrency: int = 4
    temperature: float = 0.7
    max_tokens: int = 400
    rpm: int = 0  # requests started per minute at most (0: only the concurrency limits)

    def params(self) -> dict[str, Any]:
        """Request parameters that change the answer (part of the cache key)."""
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Endpoint:
        return cls(**{k: data[k] for k in ("name", "base_url", "model", "concurrency", "temperature", "max_tokens",
                                                      "rpm")
                      if k in data})


def parse_endpoint(spec: str, *, concurrency: int = 4, temperature: float = 0.7, max_tokens: int = 400,
                   rpm: int = 0) -> Endpoint:
    """`NAME=BASE_URL[@MODEL]` -> Endpoint; the model defaults to `default`."""
    name, sep, rest = spec.partition("=")
    if not sep or not _NAME.match(name):
        raise EndpointSpecInvalid(f"endpoint {spec!r} is not NAME=BASE_URL[@MODEL]",
                                  hint="e.g. --endpoint local=http://127.0.0.1:8080/v1@qwen2.5-7b")
    url, model = rest, "default"
    # The model follows the first '@' after the host (model ids may hold '/' and '@', e.g.
    # Qwen/Qwen2.5-7B-Instruct); an '@' before the host is user:password, refused below.
    host = rest.find("://") + 3 if "://" in rest else 0
    path = rest.find("/", host)
    at = rest.find("@", path) if path >= 0 else rest.rfind("@")
    if at > host:
        url, model = rest[:at], rest[at + 1:]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointSpecInvalid(f"endpoint {name}: {url!r} is not an http(s) base URL")
    if parts.username or parts.password:
        raise EndpointSpecInvalid(f"endpoint {name}: the base URL carries credentials",
                                  hint=f"put the key in {key_variable(name)} instead")
    if not model.strip():
        raise EndpointSpecInvalid(f"endpoint {name}: empty model after '@'")
    if concurrency < 1:
        raise EndpointSpecInvalid(f"endpoint {name}: concurrency must be at least 1")
    if rpm < 0:
        raise EndpointSpecInvalid(f"endpoint {name}: --rpm must not be negative")
    return Endpoint(name, url.rstrip("/"), model.strip(), concurrency, temperature, max_tokens, rpm)


def key_variable(name: str) -> str:
    """The environment variable holding an endpoint's API key."""
    return KEY_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def api_key(name: str, fallback: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The endpoint's key from the environment, else the fallback (the `llm_api_key` setting)."""
    env = os.environ if environ is None else environ
    return env.get(key_variable(name)) or fallback or "not-needed"
