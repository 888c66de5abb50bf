"""Request body limits per route, enforced on the bytes as they stream in.

`Content-Length` is only a claim: a chunked body (RFC 9112 §7.1) carries none, and a client
may send more than it announced. So every `http.request` message is counted as the app
receives it; once a route's limit is passed the 413 is sent at once and the app's next read
raises, so nothing past the limit reaches a spool file, a form parser or memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from culturebridge.errors import RequestTooLarge
from culturebridge.settings import Settings

# Room for multipart framing (boundaries, part headers, the CSRF field) around a file.
MULTIPART_SLACK = 1 << 20
# An audience event is one small JSON object.
MAX_EVENT_BODY = 64 * 1024
# An evidence bundle is at most 16 MiB (rights.bundle.MAX_BUNDLE_BYTES) beside its media.
VERIFY_EXTRA = 16 << 20

_UPLOADS = re.compile(
    r"^/(api/v1|studio)/works/[^/]+/assets$"
    r"|^/studio/works/[^/]+/localize/[^/]+/xliff$"
)
_VERIFY = re.compile(r"^(/api/v1)?/verify$")
_EVENTS = re.compile(r"^/api/v1/events$")


@dataclass(frozen=True)
class BodyLimits:
    """Largest body, in bytes, per kind of route."""

    upload: int
    verify: int
    default: int
    event: int = MAX_EVENT_BODY

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        upload = settings.max_upload_bytes + MULTIPART_SLACK
        return cls(upload=upload, verify=upload + VERIFY_EXTRA, default=settings.max_request_bytes)

    def for_request(self, method: str, path: str) -> int:
        """The limit for one request: files for uploads and /verify, small for everything else."""
        if method == "POST":
            if _UPLOADS.match(path):
                return self.upload
            if _VERIFY.match(path):
                return self.verify
            if _EVENTS.match(path):
                return self.event
        return self.default


class _Refused(Exception):
    """Raised into the app when its body passed the limit (the 413 is already sent)."""


def refusal(limit: int) -> JSONResponse:
    error = RequestTooLarge(limit)
    return JSONResponse({"error": "FileTooLarge", "message": error.message, "hint": error.hint}, status_code=413)


async def limit_body(app: ASGIApp, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    """Run `app` with at most `limit` body bytes; answer 413 as soon as more arrive."""
    length = Headers(scope=scope).get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        await refusal(limit)(scope, receive, send)
        return
    received = 0
    started = False
    refused = False

    async def counted_receive() -> Message:
        nonlocal received, refused
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                if not started and not refused:
                    refused = True
                    await refusal(limit)(scope, _closed, send)
                raise _Refused
        return message

    async def tracked_send(message: Message) -> None:
        nonlocal started
        if refused:
            return  # the app's own answer after the 413 goes nowhere
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counted_receive, tracked_send)
    except Exception:
        if not refused:
            raise


async def _closed() -> Message:
    return {"type": "http.disconnect"}
