"""Audience viewers: who an anonymous feed request or event speaks for.

A browser is its `cb_viewer` cookie (HttpOnly, set by the feed page). A client app without
cookies gets a viewer token with each feed answer — the viewer id and an HMAC-SHA256 tag
(RFC 2104) under a key kept in `<data_dir>/keys/viewer-token.key` — and sends it back in
`X-Viewer-Token`. Events are stored only for a viewer proven one of these two ways, and a
stored viewer's feed is read only by that viewer, so a viewer id alone is worth nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from fastapi import Request

from culturebridge.platform import Platform

VIEWER_COOKIE = "cb_viewer"
TOKEN_HEADER = "x-viewer-token"
KEY_FILE = "viewer-token.key"
_keys: dict[Path, bytes] = {}
_lock = threading.Lock()


def _key(platform: Platform) -> bytes:
    path = platform.settings.keys_dir / KEY_FILE
    with _lock:
        if path in _keys:
            return _keys[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets.token_bytes(32))
            except FileExistsError:  # another process made it first
                pass
        _keys[path] = path.read_bytes()
        return _keys[path]


def _tag(platform: Platform, viewer: str) -> str:
    digest = hmac.new(_key(platform), b"viewer:" + viewer.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def viewer_token(platform: Platform, viewer: str) -> str:
    """The token proving `viewer` (send it back in X-Viewer-Token)."""
    return f"{viewer}.{_tag(platform, viewer)}"


def token_viewer(platform: Platform, token: str) -> str | None:
    """The viewer a token proves, or None when it is forged or malformed."""
    viewer, _, tag = token.rpartition(".")
    if not viewer or not hmac.compare_digest(tag, _tag(platform, viewer)):
        return None
    return viewer


def proven_viewer(request: Request, platform: Platform) -> str | None:
    """The viewer this request proves by its viewer token, else by its cookie; None when neither."""
    from culturebridge.feed.store import VIEWER

    token = request.headers.get(TOKEN_HEADER)
    if token:
        viewer = token_viewer(platform, token)
        if viewer is not None and VIEWER.match(viewer):
            return viewer
    cookie = request.cookies.get(VIEWER_COOKIE, "")
    return cookie if cookie and VIEWER.match(cookie) else None
