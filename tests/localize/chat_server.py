"""A local HTTP server speaking `/v1/chat/completions`, answering from a phrase table."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str], str]


@contextmanager
def chat_server(answer: Answer) -> Iterator[tuple[str, list[str]]]:
    """Serve on 127.0.0.1; yield (base_url, segments asked so far)."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            segment = body["messages"][-1]["content"].rsplit("\n", 1)[-1]
            asked.append(segment)
            data = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": answer(segment)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", asked
    finally:
        server.shutdown()
        server.server_close()


def phrase_answer(table: dict[str, str]) -> Answer:
    """Answer each (masked) segment by replacing known Chinese phrases, longest first."""
    keys = sorted(table, key=len, reverse=True)

    def answer(segment: str) -> str:
        out = segment
        for k in keys:
            out = out.replace(k, table[k])
        return out

    return answer
