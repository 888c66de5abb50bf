"""Local servers speaking the OpenAI chat-completions protocol, each with a scripted behaviour.

Behaviours are deterministic so measures can be checked against them: an event with rate p
happens on request n (counted per prompt) exactly when floor((n+1)p) > floor(np), so over any
K requests its share is within 1/K of p. A script can refuse per language, prefer one option,
answer slowly, fail with 429/500, return malformed JSON, an empty choice list or the wrong
language, and act as a judge.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SYSTEMS = {"Answer the question.": "en", "请回答问题。": "zh-Hans", "請回答問題。": "zh-Hant"}
REFUSALS = {"en": "I'm sorry, but I can't discuss that topic.", "zh-Hans": "抱歉，我无法回答这个问题。",
            "zh-Hant": "抱歉，我無法回答這個問題。"}
ANSWERS = {
    "en": "Scholars in Beijing and Hangzhou describe it as an important and celebrated tradition with a rich history.",
    "zh-Hans": "北京和杭州的学者认为这是一项重要而辉煌的传统，历史丰富。",
    "zh-Hant": "北京和杭州的學者認為這是一項重要而輝煌的傳統，歷史豐富。",
}
WRONG = {"en": "这是一个重要的传统，历史悠久，很多人喜爱。", "zh-Hans": "This is an important tradition with a long history "
         "that many people love.", "zh-Hant": "This is an important tradition with a long history that many people love."}


def happens(n: int, rate: float) -> bool:
    """Whether the n-th (0-based) event of rate `rate` fires (evenly spread, deterministic)."""
    return math.floor((n + 1) * rate + 1e-9) > math.floor(n * rate + 1e-9)


@dataclass
class Script:
    refuse: dict[str, float] = field(default_factory=dict)  # language -> refusal rate
    prefer: float | None = None  # share of choices given to option `favourite`; the rest spread evenly
    favourite: int = 0
    delay: float = 0.0  # seconds before answering
    fail_rate: float = 0.0  # share of attempts answered 429 / 500 (alternating)
    malformed_rate: float = 0.0
    empty_rate: float = 0.0
    wrong_language: dict[str, float] = field(default_factory=dict)
    spread: str = "prompt"  # counters per prompt (exact per question) or per "language" (exact over a run)
    judge_stance: str = "neutral"  # when acting as a judge
    judge_flip_rate: float = 0.0  # share of verdicts whose stance is flipped to "critical"


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counters: dict[tuple[str, str], int] = defaultdict(int)
        self.requests = 0
        self.auth: set[str] = set()

    def next(self, kind: str, key: str) -> int:
        with self.lock:
            n = self.counters[(kind, key)]
            self.counters[(kind, key)] = n + 1
            return n


def _judge_reply(script: Script, state: _State, user: str) -> str:
    answer = user.split("Answer:\n", 1)[-1]
    refused = any(r[:4] in answer for r in REFUSALS.values())
    stance = "none" if refused else script.judge_stance
    if not refused and happens(state.next("flip", ""), script.judge_flip_rate):
        stance = "critical"
    return json.dumps({"refusal": refused, "stance": stance})


def _answer(script: Script, state: _State, messages: list[dict[str, str]]) -> str:
    system, user = messages[0]["content"], messages[-1]["content"]
    if system.startswith("You rate one answer"):
        return _judge_reply(script, state, user)
    lang = SYSTEMS.get(system, "en")
    key = user if script.spread == "prompt" else lang
    if happens(state.next("refuse", key), script.refuse.get(lang, 0.0)):
        return REFUSALS[lang]
    if happens(state.next("wrong", key), script.wrong_language.get(lang, 0.0)):
        return WRONG[lang]
    options = [line[3:] for line in user.split("\n") if len(line) > 3 and line[1:3] == ". " and line[0].isupper()]
    if options:
        n = state.next("choice", key)
        if script.prefer is None:
            pick = n % len(options)
        elif happens(n, script.prefer):
            pick = script.favourite
        else:
            others = [i for i in range(len(options)) if i != script.favourite]
            pick = others[state.next("other", key) % len(others)]
        return "ABCDEFGHIJ"[pick]
    return ANSWERS[lang]


@contextmanager
def scripted_server(script: Script) -> Iterator[tuple[str, _State]]:
    """Serve on 127.0.0.1; yield (base_url ending in /v1, state with request counters)."""
    state = _State()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and
            # delayed ACKs add ~40 ms to every keep-alive response (RFC 1122 §4.2.3.4).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests += 1
                state.auth.add(self.headers.get("Authorization", ""))
            if script.delay:
                time.sleep(script.delay)
            messages = body["messages"]
            key = messages[-1]["content"] if script.spread == "prompt" else ""
            n = state.next("attempt", key)
            if happens(n, script.fail_rate):
                self._send(429 if n % 2 else 500, b'{"error": {"message": "busy", "type": "server_error"}}')
                return
            if happens(state.next("malformed", key), script.malformed_rate):
                self._send(200, b'{"id": "x", "choices": [ {"message": ')
                return
            if happens(state.next("empty", key), script.empty_rate):
                self._send(200, json.dumps({"id": "x", "object": "chat.completion", "created": 0,
                                            "model": body["model"], "choices": []}).encode())
                return
            content = _answer(script, state, messages)
            data = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": content}}],
                               "usage": {"prompt_tokens": len(key) // 2 + 10, "completion_tokens": len(content) // 2,
                                         "total_tokens": len(key) // 2 + 10 + len(content) // 2}},
                              ensure_ascii=False).encode()
            self._send(200, data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    finally:
        server.shutdown()
        server.server_close()
