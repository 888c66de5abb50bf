"""A local S3-protocol server for tests, benches and `scripts/cluster.sh`: moto's S3 backend
served by cheroot (CherryPy's WSGI server).

    python scripts/s3server.py --host 127.0.0.1 --port 9000

The bucket and object logic is moto's (the same code `python -m moto.server` runs); only the
HTTP server in front of it differs. moto's own server is Werkzeug's development server,
which answers every request with `Connection: close` (so every S3 call opens a new TCP
connection and a new thread) and, for each request, lists moto's package folder to find
which AWS service a request is for. Here cheroot keeps HTTP/1.1 connections alive (RFC 9112
§9.3) with a fixed pool of threads, and every request goes to the S3 backend directly,
except moto's own `/moto-api/` (state reset, readiness), which goes through moto's
dispatcher. This serves S3 only; use `python -m moto.server` for other AWS services.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

THREADS = 16  # at least the media store's upload threads, plus readers


def s3_app() -> Any:
    """A WSGI application: moto's S3 backend, with `/moto-api/` through moto's dispatcher."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    dispatcher = DomainDispatcherApplication(create_backend_app)
    s3 = create_backend_app("s3")

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        target = dispatcher if path.startswith("/moto-api") or path == "/favicon.ico" else s3
        result: Iterable[bytes] = target(environ, start_response)
        return result

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="moto's S3 backend on a keep-alive HTTP server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    from cheroot import wsgi

    server = wsgi.Server((args.host, args.port), s3_app(), numthreads=args.threads,
                         server_name="culturebridge-s3")
    server.safe_start()  # until SIGTERM / SIGINT


if __name__ == "__main__":
    main()
