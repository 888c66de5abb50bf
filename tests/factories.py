"""Small builders for test data: real media bytes and catalog rows."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User, create_user
from culturebridge.catalog import NewWork, Work
from culturebridge.jobs import ASSET_ADDED, run_one
from culturebridge.pipeline import job_handlers
from culturebridge.platform import Platform


def png_bytes(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes(width, height, seed))).save(out, format="JPEG", quality=90)
    return out.getvalue()


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    import wave

    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def fan_out(platform: Platform) -> None:
    """Run the pipeline's queued `asset-added` jobs, so each new asset's stage jobs are queued."""
    handler = {ASSET_ADDED: job_handlers(platform)[ASSET_ADDED]}
    while run_one(platform.db, handler) is not None:
        pass


def make_user(conn: Connection, username: str, role: str = "creator") -> User:
    return create_user(conn, username, "password-" + username, role)


def make_work(conn: Connection, owner: User, title: str = "剪纸", **fields: object) -> Work:
    new = NewWork(
        kind=str(fields.pop("kind", "heritage")),
        original_language="zh",
        titles={"zh": title, "en": f"{title} (en)"},
        synopses={"zh": "一段简介", "en": "A synopsis"},
        markets=["US/en"],
        **fields,  # type: ignore[arg-type]
    )
    return catalog.create_work(conn, owner, new)
