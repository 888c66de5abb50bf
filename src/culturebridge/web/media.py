"""Media bytes over HTTP from any `MediaStore`, with byte ranges (RFC 9110 §14).

Players seek with `Range: bytes=START-END` (or a suffix `bytes=-N`); the answer is
`206 Partial Content` with `Content-Range`, `416` when the range lies outside the file,
and the whole file with `Accept-Ranges: bytes` otherwise. One range per request: multipart
byteranges (§14.6) are answered with the whole file, which RFC 9110 allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from culturebridge.storage import MediaStore
from culturebridge.storage.media import CHUNK

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end-exclusive) of a single byte range; None for the whole file; "unsatisfiable"."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        return None  # not a single byte range we understand: RFC 9110 lets us send it all
    first, last = m.group(1), m.group(2)
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - n), size
    start = int(first)
    end = size if not last else min(size, int(last) + 1)
    if start >= size or end <= start:
        return "unsatisfiable"
    return start, end


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


def media_response(request: Request, store: MediaStore, key: str, media_type: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The blob `key` as the answer to `request`, honouring a Range header."""
    size = store.size(key)
    extra = {"Accept-Ranges": "bytes", **(headers or {})}
    wanted = parse_range(request.headers.get("range"), size)
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers={**extra, "Content-Range": f"bytes */{size}"})
    if wanted is None or isinstance(wanted, str):
        return StreamingResponse(_chunks(store.open_range(key, 0, size)), media_type=media_type,
                                 headers={**extra, "Content-Length": str(size)})
    start, end = wanted
    return StreamingResponse(
        _chunks(store.open_range(key, start, end)), status_code=206, media_type=media_type,
        headers={**extra, "Content-Length": str(end - start), "Content-Range": f"bytes {start}-{end - 1}/{size}"},
    )
