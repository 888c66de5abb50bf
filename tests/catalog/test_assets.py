from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from culturebridge import catalog
from culturebridge.accounts import get_user_by_name
from culturebridge.catalog import IngestLimits
from culturebridge.catalog._tables import assets
from culturebridge.errors import (
    AssetNotFound,
    Conflict,
    CorruptMedia,
    DuplicateAsset,
    FileTooLarge,
    InvalidInput,
    UnsupportedMedia,
    WorkNotFound,
)
from culturebridge.storage import Database, LocalMediaStore
from tests.factories import jpeg_bytes, make_user, make_work, png_bytes, wav_bytes

LIMITS = IngestLimits(max_bytes=5_000_000, max_pixels=10_000_000)


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


def _stored(store: LocalMediaStore, key: str) -> bytes:
    with store.open(key) as fh:
        return fh.read()


def _count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(assets)).scalar_one())


def _ingest(db: Database, store: LocalMediaStore, data: bytes, name: str, limits: IngestLimits = LIMITS) -> catalog.Asset:
    with db.write() as conn:
        owner = get_user_by_name(conn, "maker")
        work = catalog.list_works(conn)[0]
        return catalog.add_asset(conn, store, owner, work.id, io.BytesIO(data), name, limits)


@pytest.fixture
def seeded(database: Database) -> Database:
    with database.write() as conn:
        make_work(conn, make_user(conn, "maker"))
    return database


def test_ingest_records_hash_type_size_and_pixels(seeded: Database, store: LocalMediaStore) -> None:
    data = png_bytes(80, 60)
    asset = _ingest(seeded, store, data, "cut.png")
    assert asset.media_type == "image/png"
    assert (asset.width, asset.height, asset.size) == (80, 60, len(data))
    assert _stored(store, asset.sha256) == data
    audio = _ingest(seeded, store, wav_bytes(0.5), "tone.wav")
    assert audio.media_type == "audio/wav" and audio.duration == pytest.approx(0.5, abs=0.01)


def test_duplicate_in_the_same_work_is_refused_and_nothing_changes(seeded: Database, store: LocalMediaStore) -> None:
    _ingest(seeded, store, jpeg_bytes(), "a.jpg")
    with pytest.raises(DuplicateAsset):
        _ingest(seeded, store, jpeg_bytes(), "again.jpg")
    assert _count(seeded) == 1


def _truncated_png() -> bytes:
    return png_bytes(200, 200)[:400]


def _bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16)  # tiny on disk, huge once decoded
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "name", "error", "message"),
    [
        (_truncated_png(), "broken.png", CorruptMedia, "cannot be decoded"),
        (png_bytes(), "song.mp3", UnsupportedMedia, "named as audio"),
        (b"\x00\x01\x02binary junk", "x.bin", UnsupportedMedia, "not a supported media type"),
        (b"", "empty.png", InvalidInput, "empty"),
        (_bomb_png(), "bomb.png", FileTooLarge, "decompression bomb"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt garbage", "bad.wav", CorruptMedia, "cannot be decoded"),
    ],
)
def test_bad_files_are_refused_and_leave_no_trace(
    seeded: Database, store: LocalMediaStore, data: bytes, name: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _ingest(seeded, store, data, name)
    assert _count(seeded) == 0
    assert list(store.keys()) == []
    assert not any((store.root / "tmp").iterdir())


def test_oversized_upload_is_refused_while_streaming(seeded: Database, store: LocalMediaStore) -> None:
    with pytest.raises(FileTooLarge, match="larger than the limit"):
        _ingest(seeded, store, png_bytes(300, 300), "big.png", IngestLimits(max_bytes=1000, max_pixels=10**7))
    assert _count(seeded) == 0 and list(store.keys()) == []


def test_a_failed_transaction_leaves_only_a_blob_that_sweep_removes(seeded: Database, store: LocalMediaStore) -> None:
    class Crash(Exception):
        pass

    with pytest.raises(Crash), seeded.write() as conn:
        work = catalog.list_works(conn)[0]
        catalog.add_asset(conn, store, get_user_by_name(conn, "maker"), work.id, io.BytesIO(png_bytes()), "a.png", LIMITS)
        raise Crash()
    assert _count(seeded) == 0
    with seeded.read() as conn:
        removed = store.sweep(catalog.referenced_keys(conn))
    assert len(removed) == 1 and list(store.keys()) == []


def test_unknown_work_and_someone_elses_work(seeded: Database, store: LocalMediaStore) -> None:
    with seeded.write() as conn:
        other = make_user(conn, "other")
        work = catalog.list_works(conn)[0]
        with pytest.raises(WorkNotFound):
            catalog.add_asset(conn, store, other, work.id, io.BytesIO(png_bytes()), "a.png", LIMITS)
        with pytest.raises(WorkNotFound):
            catalog.add_asset(conn, store, other, "w-missing", io.BytesIO(png_bytes()), "a.png", LIMITS)
    assert _count(seeded) == 0


def test_same_file_in_two_works_is_stored_once(seeded: Database, store: LocalMediaStore) -> None:
    data = png_bytes(seed=7)
    with seeded.write() as conn:
        owner = get_user_by_name(conn, "maker")
        second = make_work(conn, owner, "皮影戏")
        first = next(w for w in catalog.list_works(conn) if w.id != second.id)
        a = catalog.add_asset(conn, store, owner, first.id, io.BytesIO(data), "x.png", LIMITS)
        b = catalog.add_asset(conn, store, owner, second.id, io.BytesIO(data), "x.png", LIMITS)
        assert {x.id for x in catalog.find_assets_by_hash(conn, a.sha256)} == {a.id, b.id}
    assert a.storage_key == b.storage_key and len(list(store.keys())) == 1


def _srt(text: str) -> bytes:
    return f"1\n00:00:01,000 --> 00:00:02,500\n{text}\n".encode()


def test_superseded_assets_are_hidden_but_kept(seeded: Database, store: LocalMediaStore) -> None:
    v1 = _ingest(seeded, store, _srt("first"), "ep1.en.srt")
    v2 = _ingest(seeded, store, _srt("second"), "ep1.en.srt")
    image = _ingest(seeded, store, png_bytes(), "cover.png")
    with seeded.write() as conn:
        catalog.supersede_asset(conn, v1.id, v2.id)
        catalog.supersede_asset(conn, v1.id, v2.id)  # the same again changes nothing
        work_id = v1.work_id
        assert [a.id for a in catalog.list_assets(conn, work_id)] == [v2.id, image.id]
        assert [a.id for a in catalog.list_assets(conn, work_id, include_superseded=True)] == [v1.id, v2.id, image.id]
        assert catalog.superseded_by(conn, v1.id) == v2.id and catalog.superseded_by(conn, v2.id) is None
        assert catalog.get_asset(conn, v1.id).sha256 == v1.sha256  # the row and its blob stay
    assert _stored(store, v1.sha256) == _srt("first")
    assert _count(seeded) == 3


def test_supersede_refuses_self_cycles_other_works_and_other_families(seeded: Database, store: LocalMediaStore) -> None:
    v1 = _ingest(seeded, store, _srt("first"), "ep1.srt")
    v2 = _ingest(seeded, store, _srt("second"), "ep1.srt")
    v3 = _ingest(seeded, store, _srt("third"), "ep1.srt")
    image = _ingest(seeded, store, png_bytes(), "cover.png")
    with seeded.write() as conn:
        other = make_work(conn, get_user_by_name(conn, "maker"), "皮影")
        foreign = catalog.add_asset(conn, store, get_user_by_name(conn, "maker"), other.id, io.BytesIO(_srt("x")),
                                    "x.srt", LIMITS)
    with seeded.write() as conn:
        with pytest.raises(InvalidInput, match="itself"):
            catalog.supersede_asset(conn, v1.id, v1.id)
        with pytest.raises(InvalidInput, match="belongs to work"):
            catalog.supersede_asset(conn, v1.id, foreign.id)
        with pytest.raises(InvalidInput, match="cannot replace"):
            catalog.supersede_asset(conn, v1.id, image.id)
        with pytest.raises(AssetNotFound):
            catalog.supersede_asset(conn, v1.id, "a_missing")
        catalog.supersede_asset(conn, v1.id, v2.id)
        with pytest.raises(Conflict, match="cycle"):
            catalog.supersede_asset(conn, v2.id, v1.id)
        with pytest.raises(Conflict, match="already superseded"):
            catalog.supersede_asset(conn, v1.id, v3.id)
        with pytest.raises(Conflict, match="itself superseded"):
            catalog.supersede_asset(conn, v3.id, v1.id)
        catalog.supersede_asset(conn, v2.id, v3.id)
        assert [a.id for a in catalog.list_assets(conn, v1.work_id) if a.media_type != image.media_type] == [v3.id]
        # v1 comes back: the current version (v3) is the one replaced, and no cycle forms
        catalog.reinstate_asset(conn, v1.id)
        assert [a.id for a in catalog.list_assets(conn, v1.work_id) if a.media_type != image.media_type] == [v1.id]
        assert (catalog.superseded_by(conn, v2.id), catalog.superseded_by(conn, v3.id)) == (v3.id, v1.id)
