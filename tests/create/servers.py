"""A local server speaking the OpenAI API shapes the create stage uses, returning real content.

`/v1/chat/completions` answers with a function of the messages; `/v1/images/generations`
draws a real PNG (Pillow; gradient and shapes seeded by the prompt) as `b64_json` or as a
`url` served by the same server; `/v1/audio/speech` returns a real WAV (a tone as long as
the text needs). Knobs make it misbehave the ways real endpoints do: HTTP errors, delays
(timeouts), text instead of an image, an oversized image.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

Reply = Callable[[list[dict[str, str]]], str]


def draw_png(prompt: str, width: int = 512, height: int = 512) -> bytes:
    """A real PNG whose picture depends on the prompt."""
    seed = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big")
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    c = rng.integers(40, 215, size=3)
    pixels = np.stack([(x * c[0] // width), (y * c[1] // height), ((x + y) * c[2] // (width + height))], axis=-1)
    img = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x0, y0 = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
        draw.ellipse((x0, y0, x0 + width // 3, y0 + height // 3), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def tone_wav(text: str, rate: int = 16000) -> bytes:
    """A real mono 16-bit WAV, 60 ms per character (at least half a second)."""
    seconds = max(0.5, 0.06 * len(text))
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 330 * t) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


@dataclass
class Knobs:
    """How the server behaves; tests change these between requests."""

    reply: Reply
    image: str = "b64"  # b64 | url | text | huge
    image_px: int = 512
    fail_status: int | None = None  # answer every request with this HTTP status
    delay_s: float = 0.0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


@functools.cache
def _huge_png() -> bytes:
    # Incompressible pixels: a 1500x1500 PNG is about 6.8 MB.
    pixels = np.random.default_rng(1).integers(0, 255, size=(1500, 1500, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


@contextmanager
def generation_server(reply: Reply) -> Iterator[tuple[str, Knobs]]:
    """Serve on 127.0.0.1; yield (base URL ending in /v1, knobs)."""
    knobs = Knobs(reply)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, value: Any, status: int = 200) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            if name in knobs.files:
                self._send(200, knobs.files[name], "image/png")
            else:
                self._json({"error": {"message": "not found"}}, 404)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            knobs.requests.append((self.path, body))
            if knobs.delay_s:
                time.sleep(knobs.delay_s)
            if knobs.fail_status is not None:
                self._json({"error": {"message": "model overloaded", "type": "server_error"}}, knobs.fail_status)
                return
            if self.path.endswith("/chat/completions"):
                text = knobs.reply(body["messages"])
                self._json({"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                            "system_fingerprint": "fp-local",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}]})
            elif self.path.endswith("/images/generations"):
                self._image(body)
            elif self.path.endswith("/audio/speech"):
                self._send(200, tone_wav(body["input"]), "audio/wav")
            else:
                self._json({"error": {"message": "no such path"}}, 404)

        def _image(self, body: dict[str, Any]) -> None:
            if knobs.image == "text":
                entry: dict[str, Any] = {"b64_json": base64.b64encode(b"I cannot draw that, sorry.").decode()}
            else:
                data = _huge_png() if knobs.image == "huge" else draw_png(body["prompt"], knobs.image_px, knobs.image_px)
                if knobs.image == "url":
                    name = f"{hashlib.sha256(data).hexdigest()[:16]}.png"
                    knobs.files[name] = data
                    entry = {"url": f"http://127.0.0.1:{server.server_address[1]}/files/{name}"}
                else:
                    entry = {"b64_json": base64.b64encode(data).decode(), "seed": 1234}
            self._json({"created": 0, "data": [entry]})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", knobs
    finally:
        server.shutdown()
        server.server_close()


def canon_reply(story_zh: str, scenes_zh: list[str], titles_en: list[str], facts: list[str]) -> Reply:
    """Answer as a faithful model would, by what the system prompt asks for."""

    def reply(messages: list[dict[str, str]]) -> str:
        system = messages[0]["content"]
        fact_lines = "".join(f"\nFACT: {f}" for f in facts)
        if "Suggest" in system and "titles" in system:
            return "\n".join(f"{i}. {t}" for i, t in enumerate(titles_en, 1))
        if "motion-comic" in system:
            return "TITLE: 筋斗云\n" + "".join(f"SCENE: {s}\n" for s in scenes_zh) + fact_lines
        return f"TITLE: 取经路上\n{story_zh}{fact_lines}"

    return reply
