from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from culturebridge.localize.glossary import Glossary
from culturebridge.localize.openai_engine import OpenAIChatTranslator, build_messages, clean_reply
from culturebridge.localize.segments import Context, Segment, TermHint
from culturebridge.localize.translator import GlossaryEnforcer

ANSWERS = {"武松打虎。": "Wu Song kills the tiger.", "⟦0⟧笑了。": "“⟦0⟧ laughed.”"}


class ChatServer(BaseHTTPRequestHandler):
    """A local server speaking `/v1/chat/completions` (OpenAI wire format)."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.requests.append(body)
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
            return
        segment = body["messages"][-1]["content"].rsplit("\n", 1)[-1]
        if "慢" in segment:
            time.sleep(1.5)
        if "坏" in segment:
            self._send(500, {"error": {"message": "model crashed"}})
            return
        if "空" in segment:
            content: str = ""
        elif "长" in segment:
            content = "blah " * 2000
        else:
            content = ANSWERS.get(segment, "???")
        self._send(200, {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": content}}]})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture()
def endpoint() -> Iterator[str]:
    ChatServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_translates_through_the_endpoint(endpoint: str) -> None:
    engine = OpenAIChatTranslator(endpoint, "tiny", timeout=5)
    out = engine.translate([Segment("1", "武松打虎。")], "zh", "en")
    assert out[0].text == "Wu Song kills the tiger." and out[0].origin == "openai:tiny"
    assert ChatServer.requests[0]["model"] == "tiny" and ChatServer.requests[0]["temperature"] == 0.0


def test_failures_are_per_segment(endpoint: str) -> None:
    engine = OpenAIChatTranslator(endpoint, "tiny", timeout=0.5)
    segs = [Segment("1", "慢慢来。"), Segment("2", "坏了。"), Segment("3", "空的。"), Segment("4", "长的。"),
            Segment("5", "武松打虎。")]
    out = engine.translate(segs, "zh", "en")
    assert [t.status for t in out] == ["failed"] * 4 + ["translated"]
    assert "timed out after 0.5s" in (out[0].error or "")
    assert "HTTP 500" in (out[1].error or "")
    assert "no translation text" in (out[2].error or "")
    assert "garbage" in (out[3].error or "")


def test_unreachable_endpoint_is_a_clear_failure() -> None:
    engine = OpenAIChatTranslator("http://127.0.0.1:9/v1", "tiny", timeout=1)
    out = engine.translate([Segment("1", "武松打虎。")], "zh", "en")
    assert out[0].status == "failed" and "cannot reach endpoint" in (out[0].error or "")


def test_prompt_carries_glossary_style_and_neighbours(endpoint: str, glossary: Glossary) -> None:
    engine = OpenAIChatTranslator(endpoint, "tiny", timeout=5)
    segs = [Segment("1", "武松打虎。"), Segment("2", "孙悟空笑了。"), Segment("3", "林黛玉葬花。")]
    out = GlossaryEnforcer(glossary, engine).translate(segs, "zh", "en")
    assert out[1].text == "Sun Wukong (Monkey King) laughed."
    system = ChatServer.requests[1]["messages"][0]["content"]
    user = ChatServer.requests[1]["messages"][1]["content"]
    assert "⟦0⟧ => Sun Wukong" not in system and "孙悟空 => Sun Wukong" in system
    assert "Never write: golden hoop stick" in system
    assert "Previous segment (context only): 武松打虎。" in user and "Next segment (context only): 林黛玉葬花。" in user


def test_build_messages_and_clean_reply() -> None:
    ctx = Context(ip="water-margin", style_notes="plain, vivid", hints={"1": (TermHint("武松", "Wu Song"),)})
    msgs = build_messages([Segment("1", "武松打虎。")], 0, "zh", "en", ctx)
    assert "Style: plain, vivid" in msgs[0]["content"] and "water-margin" in msgs[0]["content"]
    assert clean_reply('```\n"Hello."\n```') == "Hello."
