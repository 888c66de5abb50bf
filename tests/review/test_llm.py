from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import JudgeFailed
from culturebridge.review import JudgeConfig, LLMJudge, Models, Reviewer, ReviewItem, load_policy

TEXT = "Zhao Ming opens the gates to the enemy at night. Wei Lan weeps."


class _Handler(BaseHTTPRequestHandler):
    mode = "ok"
    prompts: ClassVar[list[str]] = []
    bodies: ClassVar[list[dict[str, object]]] = []

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path == "/v1/chat/completions"
        _Handler.prompts.append(body["messages"][0]["content"])
        _Handler.bodies.append(body)
        if _Handler.mode == "slow":
            time.sleep(2)
        if _Handler.mode == "http500":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        findings = [
            {"clause": "nrta-1", "severity": "high", "quote": "opens the gates to the enemy", "explanation": "betrayal"},
            {"clause": "nrta-2", "severity": "high", "quote": "a quote that is not in the text", "explanation": "made up"},
        ]
        content = json.dumps({"findings": findings}) if _Handler.mode == "ok" else "Sure! Here are my thoughts: {"
        reply = {
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        }
        data = json.dumps(reply).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def reviewer(cards: dict[str, CanonCard], url: str, timeout: float = 5.0) -> Reviewer:
    judge = LLMJudge(JudgeConfig(url, "local-model", "k", timeout))
    return Reviewer(load_policy("cn-nrta-ai-alteration"), cards, models=Models.none(), judge=judge)


def test_judge_findings_are_kept_only_with_real_quotes(cards: dict[str, CanonCard], endpoint: str) -> None:
    _Handler.mode = "ok"
    r = reviewer(cards, endpoint)
    decision = r.review(ReviewItem(ip="river-oath", text=TEXT))
    judged = [f for f in decision.findings if f.check == "llm-judge"]
    assert len(judged) == 1
    assert TEXT[judged[0].evidence.start : judged[0].evidence.end] == "opens the gates to the enemy"
    assert judged[0].clause == "nrta-1"
    assert decision.decision == "reject"
    assert isinstance(r.judge, LLMJudge) and r.judge.dropped == 1
    assert "Zhao Ming" in _Handler.prompts[-1] and "unmatched in loyalty" in _Handler.prompts[-1]
    assert _Handler.bodies[-1]["max_tokens"] == 800 and _Handler.bodies[-1]["temperature"] == 0


@pytest.mark.parametrize("mode, message", [("garbage", "did not answer JSON"), ("http500", "HTTP 500")])
def test_judge_failures_are_clear_errors(cards: dict[str, CanonCard], endpoint: str, mode: str, message: str) -> None:
    _Handler.mode = mode
    with pytest.raises(JudgeFailed, match=message):
        reviewer(cards, endpoint).review(ReviewItem(ip="river-oath", text=TEXT))


def test_judge_timeout_is_a_clear_error(cards: dict[str, CanonCard], endpoint: str) -> None:
    _Handler.mode = "slow"
    with pytest.raises(JudgeFailed, match="timed out"):
        reviewer(cards, endpoint, timeout=0.5).review(ReviewItem(ip="river-oath", text=TEXT))


def test_unreachable_judge_is_a_clear_error(cards: dict[str, CanonCard]) -> None:
    with pytest.raises(JudgeFailed):
        reviewer(cards, "http://127.0.0.1:9/v1", timeout=2).review(ReviewItem(ip="river-oath", text=TEXT))
