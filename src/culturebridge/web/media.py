"""Serving stored media through the media store, with HTTP Range for seeking (RFC 9110 §14)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from culturebridge.catalog import Asset
from culturebridge.storage import MediaStore

CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def media_response(request: Request, media: MediaStore, asset: Asset, headers: dict[str, str] | None = None) -> Response:
    """The asset's bytes: 200 whole, 206 for one satisfiable byte range, 416 for an unsatisfiable one."""
    size = media.size(asset.storage_key)
    base = {"Accept-Ranges": "bytes", **(headers or {})}
    wanted = _byte_range(request.headers.get("range"), size)
    if wanted is None:
        return StreamingResponse(_chunks(media.open(asset.storage_key)), media_type=asset.media_type,
                                 headers={**base, "Content-Length": str(size)})
    if isinstance(wanted, str):  # unsatisfiable
        return Response(status_code=416, headers={**base, "Content-Range": f"bytes */{size}"})
    start, end = wanted
    return StreamingResponse(
        _chunks(media.open_range(asset.storage_key, start, end)), status_code=206, media_type=asset.media_type,
        headers={**base, "Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1)},
    )


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) of a single `bytes=` range; "unsatisfiable"; None to send the whole file."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:  # several ranges or another unit: answering with the whole file is allowed
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = min(int(last), size)
        return (size - length, size - 1) if length > 0 else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    with source:
        while chunk := source.read(CHUNK):
            yield chunk
