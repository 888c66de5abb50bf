"""Ask one endpoint one chat completion, with retries; every outcome becomes a `Reply`, never an exception.

Transient failures (timeout, connection refused, HTTP 408/429/5xx, a malformed body, an
empty choice list) are retried with exponential backoff and jitter, honouring a short
`Retry-After` (RFC 9110 §10.2.3); other HTTP errors (401, 404...) are final at once.
The `openai` SDK's own retries are off so every attempt is counted here.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from culturebridge.audit.endpoints import Endpoint

Status = Literal["ok", "timeout", "http_error", "unreachable", "malformed", "empty", "wrong_language"]
FAILURES: tuple[Status, ...] = ("timeout", "http_error", "unreachable", "malformed", "empty", "wrong_language")
_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0


@dataclass(frozen=True)
class Reply:
    status: Status
    content: str = ""
    http_status: int | None = None
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    attempts: int = 1

    @property
    def answered(self) -> bool:
        """The endpoint produced text (possibly in the wrong language)."""
        return self.status in ("ok", "wrong_language")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry; doubled each time
    cap: float = 20.0


class ChatClient:
    """One endpoint's `openai.OpenAI` client (thread-safe; the key stays inside it)."""

    def __init__(self, endpoint: Endpoint, api_key: str, *, timeout: float = 60.0,
                 policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._next_start = 0.0
        self._timeout = timeout
        self._key = api_key
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"ChatClient({self.endpoint.name!r}, {self.endpoint.base_url!r})"

    def _get(self) -> Any:
        with self._lock:
            if self._client is None:
                import openai

                self._client = openai.OpenAI(base_url=self.endpoint.base_url, api_key=self._key,
                                             timeout=self._timeout, max_retries=0)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _pace(self) -> None:
        """Space request starts 60/rpm seconds apart across this endpoint's workers."""
        if self.endpoint.rpm <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + 60.0 / self.endpoint.rpm
        if start > now:
            self._sleep(start - now)

    def ask(self, messages: list[dict[str, str]], *, seed: int | None = None) -> Reply:
        """One completion; retried within the policy; the last attempt's outcome."""
        attempt = 0
        while True:
            attempt += 1
            self._pace()
            reply, retry_after = self._attempt(messages, seed)
            reply = Reply(**{**reply.__dict__, "attempts": attempt})
            if reply.status == "ok" or attempt > self.policy.retries or not _retryable(reply):
                return reply
            delay = min(self.policy.cap, self.policy.backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            if retry_after is not None:
                delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
            self._sleep(delay)

    def _attempt(self, messages: list[dict[str, str]], seed: int | None) -> tuple[Reply, float | None]:
        import openai

        extra: dict[str, Any] = {} if seed is None else {"seed": seed}
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            resp = self._get().chat.completions.create(model=self.endpoint.model, messages=messages,
                                                       **self.endpoint.params(), **extra)
        except openai.APITimeoutError:
            return Reply("timeout", error=f"no answer within {self._timeout:g}s", latency_ms=took()), None
        except openai.APIConnectionError as exc:
            return Reply("unreachable", error=f"cannot connect: {type(exc.__cause__ or exc).__name__}",
                         latency_ms=took()), None
        except openai.APIStatusError as exc:
            return (Reply("http_error", http_status=exc.status_code, error=f"HTTP {exc.status_code}",
                          latency_ms=took()), _retry_after(exc))
        except (openai.OpenAIError, ValueError, TypeError) as exc:  # undecodable or schema-violating body
            return Reply("malformed", error=f"not a chat completion ({type(exc).__name__})", latency_ms=took()), None
        return _read(resp, took()), None


def _retryable(reply: Reply) -> bool:
    if reply.status == "http_error":
        return reply.http_status in _RETRY_STATUS
    return reply.status in ("timeout", "unreachable", "malformed", "empty")


def _retry_after(exc: Any) -> float | None:
    try:
        value = exc.response.headers.get("retry-after")
        return float(value) if value is not None else None
    except (AttributeError, ValueError):
        return None


def _read(resp: Any, latency_ms: int) -> Reply:
    usage = getattr(resp, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    choices = getattr(resp, "choices", None)
    if not isinstance(choices, list):
        return Reply("malformed", error="no choices field", latency_ms=latency_ms)
    if not choices:
        return Reply("empty", error="empty choice list", prompt_tokens=prompt, latency_ms=latency_ms)
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        return Reply("empty", error="empty answer text", prompt_tokens=prompt, completion_tokens=completion,
                     latency_ms=latency_ms)
    return Reply("ok", content=content.strip(), prompt_tokens=prompt, completion_tokens=completion,
                 latency_ms=latency_ms)
