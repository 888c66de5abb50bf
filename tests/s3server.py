"""A local server speaking the S3 protocol (moto's S3 backend, `scripts/s3server.py`) for tests and benches."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "s3server.py"
SERVER_NAME = "moto S3 backend on cheroot (scripts/s3server.py)"

# moto accepts any credentials; boto3 needs some to sign requests.
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3Server:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_s3_server(log: Path | None = None) -> S3Server:
    """Start `scripts/s3server.py` (moto's S3 backend on a keep-alive server) on a free
    loopback port; wait until it answers."""
    port = free_port()
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **TEST_CREDENTIALS},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 test server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=1):
                return S3Server(process, url)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the S3 test server did not start within 60 s")


class FlakyProxy:
    """An HTTP proxy in front of the S3 server that fails chosen requests, as a sick store does.

    `policy(method, path, n)` (n counts requests from 1) returns None to forward the request,
    an HTTP status to answer with instead (e.g. 503), or ("cut", BYTES) to forward but drop
    the connection after BYTES of the body.
    """

    def __init__(self, upstream: str, policy: Callable[[str, str, int], int | tuple[str, int] | None]) -> None:
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        target = urlsplit(upstream)
        host, port = target.hostname or "127.0.0.1", target.port or 80
        counter = itertools.count(1)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    n = next(counter)
                decision = policy(self.command, self.path, n)
                if isinstance(decision, int):
                    message = b"<Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>"
                    self.send_response(decision)
                    self.send_header("content-length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                conn = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items()}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                head = self.command == "HEAD"
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection") and (head or k.lower() != "content-length"):
                        self.send_header(k, v)
                if not head:
                    self.send_header("content-length", str(len(data)))
                self.end_headers()
                if decision is not None and decision[0] == "cut":
                    self.wfile.write(data[: decision[1]])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
