"""Fingerprint backfill in this process (SQLite and PostgreSQL); on a Ray cluster in tests/scale."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import ImageOps

from culturebridge.accounts.users import create_user, get_user_by_name
from culturebridge.fingerprint import list_conflicts, shared_library, stored_fingerprints
from culturebridge.fingerprint.backfill import assets_to_backfill, backfill
from culturebridge.fingerprint.image import Box, Rgb
from culturebridge.jobs import ingest
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_work

from .conftest import encode, photo, procedural

PASSWORD = "password-for-tests"


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, max_image_pixels=4_000_000)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    yield platform
    shared_library._loaded.clear()
    platform.close()


def test_backfill_fingerprints_what_has_no_row_once_and_again_with_all(platform: Platform) -> None:
    with platform.db.write() as conn:  # ingested, but no stage job ever ran
        create_user(conn, "mei", PASSWORD, "creator")
        create_user(conn, "bo", PASSWORD, "creator")
        mine = make_work(conn, get_user_by_name(conn, "mei"), "原作", kind="image")
        theirs = make_work(conn, get_user_by_name(conn, "bo"), "拷贝", kind="image")
        original = ingest(conn, platform, get_user_by_name(conn, "mei"), mine.id,
                          io.BytesIO(encode(photo("astronaut"))), "astronaut.png")
        other = ingest(conn, platform, get_user_by_name(conn, "mei"), mine.id,
                       io.BytesIO(encode(procedural(5))), "shapes.png")
        copy = ingest(conn, platform, get_user_by_name(conn, "bo"), theirs.id,
                      io.BytesIO(encode(ImageOps.mirror(photo("astronaut")), "JPEG", quality=60)), "copy.jpg")
    todo = assets_to_backfill(platform)
    assert todo == [original.id, other.id, copy.id]
    seen: list[int] = []
    looked: list[tuple[int, ...]] = []  # the overlay finder reaches every picture's fingerprint

    def finder(rgb: Rgb) -> list[Box]:
        looked.append(rgb.shape)
        return []

    done = backfill(platform, todo, batch=2, progress=lambda n, total: seen.append(n), overlays=finder)
    assert seen == [2, 3] and [d.asset_id for d in done] == todo and not any(d.failed for d in done)
    assert looked == [(512, 512, 3), (360, 480, 3), (512, 512, 3)]
    assert "matches" in done[2].message  # the copy, fingerprinted after the original, matched it
    assert assets_to_backfill(platform) == []
    with platform.db.read() as conn:
        assert {f.status for w in (mine.id, theirs.id) for f in stored_fingerprints(conn, w)} == {"ok"}
        (conflict,) = list_conflicts(conn)
    assert (conflict.asset_id, conflict.matched_asset_id) == (copy.id, original.id)
    first_id = conflict.id
    # Again with --all, twice: the original now also matches the copy (its reverse pair is a
    # new conflict), but no pair is ever recorded twice and the first keeps its id.
    for _ in range(2):
        assert len(backfill(platform, assets_to_backfill(platform, everything=True))) == 3
        with platform.db.read() as conn:
            found = list_conflicts(conn)
        pairs = sorted((c.asset_id, c.matched_asset_id) for c in found)
        assert pairs == sorted([(copy.id, original.id), (original.id, copy.id)])
        assert first_id in {c.id for c in found}
