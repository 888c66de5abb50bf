"""One endpoint, one request: every failure becomes a Reply; transient ones are retried."""

from __future__ import annotations

from culturebridge.audit.client import ChatClient, RetryPolicy
from culturebridge.audit.endpoints import parse_endpoint
from tests.audit.chat_servers import Script, scripted_server

MSGS = [{"role": "system", "content": "Answer the question."}, {"role": "user", "content": "Why?"}]
NO_WAIT = RetryPolicy(retries=3, backoff=0.0, cap=0.0)


def _client(url: str, policy: RetryPolicy = NO_WAIT, timeout: float = 10.0) -> ChatClient:
    return ChatClient(parse_endpoint(f"t={url}@m"), "sk-test", timeout=timeout, policy=policy, sleep=lambda s: None)


def test_answer_with_usage() -> None:
    with scripted_server(Script()) as (url, state):
        reply = _client(url).ask(MSGS)
    assert reply.status == "ok" and reply.content.startswith("Scholars") and reply.attempts == 1
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert state.auth == {"Bearer sk-test"}


def test_429_and_500_are_retried_and_recovered() -> None:
    # fail_rate .5 on a fresh prompt: attempt 0 passes, 1 fails (429), 2 passes... so ask twice
    with scripted_server(Script(fail_rate=0.5)) as (url, state):
        client = _client(url)
        first, second = client.ask(MSGS), client.ask(MSGS)
    assert first.status == second.status == "ok"
    assert second.attempts == 2 and state.requests == 3


def test_failures_without_retries_are_recorded_by_kind() -> None:
    once = RetryPolicy(retries=0)
    with scripted_server(Script(fail_rate=1.0)) as (url, _):
        client = _client(url, once)
        a, b = client.ask(MSGS), client.ask(MSGS)
    assert {(a.status, a.http_status), (b.status, b.http_status)} == {("http_error", 500), ("http_error", 429)}
    with scripted_server(Script(malformed_rate=1.0)) as (url, _):
        assert _client(url, once).ask(MSGS).status == "malformed"
    with scripted_server(Script(empty_rate=1.0)) as (url, _):
        empty = _client(url, once).ask(MSGS)
    assert empty.status == "empty" and empty.error == "empty choice list"


def test_retries_stop_at_the_limit() -> None:
    with scripted_server(Script(malformed_rate=1.0)) as (url, state):
        reply = _client(url).ask(MSGS)
    assert reply.status == "malformed" and reply.attempts == 4 and state.requests == 4


def test_slow_endpoint_times_out() -> None:
    with scripted_server(Script(delay=1.0)) as (url, _):
        reply = _client(url, RetryPolicy(retries=0), timeout=0.2).ask(MSGS)
    assert reply.status == "timeout" and "0.2s" in reply.error


def test_unreachable_endpoint() -> None:
    with scripted_server(Script()) as (url, _):
        pass  # closed: nothing listens there any more
    reply = _client(url, RetryPolicy(retries=1)).ask(MSGS)
    assert reply.status == "unreachable" and reply.attempts == 2
    assert "sk-test" not in repr(_client(url))


def test_rpm_spaces_request_starts() -> None:
    slept: list[float] = []
    with scripted_server(Script()) as (url, _):
        client = ChatClient(parse_endpoint(f"t={url}@m", rpm=60), "k", policy=NO_WAIT, sleep=slept.append,
                            clock=lambda: 100.0)
        for _ in range(3):
            assert client.ask(MSGS).status == "ok"
    assert slept == [1.0, 2.0]  # the clock stands still: starts at 100, 101, 102
