"""Scanning outside files and folders, continuing past bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import ImageEnhance

from culturebridge.errors import UnsupportedMedia
from culturebridge.fingerprint.image import fingerprint_array
from culturebridge.fingerprint.matcher import Fingerprint, Library
from culturebridge.fingerprint.scan import fingerprint_file, kind_of, scan_paths
from culturebridge.fingerprint.text import fingerprint_text

from .conftest import encode, photo
from .test_text import LEGEND


@pytest.fixture()
def library() -> Library:
    lib = Library()
    lib.add("w1", "cover", Fingerprint("image", fingerprint_array(np.asarray(photo("chelsea")))))
    lib.add("w2", "story", Fingerprint("text", fingerprint_text(LEGEND)))
    return lib


def _folder(root: Path) -> Path:
    folder = root / "incoming"
    (folder / "sub").mkdir(parents=True)
    brighter = ImageEnhance.Brightness(photo("chelsea")).enhance(1.2)
    (folder / "copy.jpg").write_bytes(encode(brighter, "JPEG", quality=60))
    (folder / "sub" / "story.txt").write_text("转载：" + LEGEND, encoding="utf-8")
    good = encode(photo("coffee"), "JPEG", quality=90)
    (folder / "broken.jpg").write_bytes(good[: len(good) // 4])
    (folder / "notes.xyz").write_bytes(b"whatever")
    (folder / "empty.png").write_bytes(b"")
    (folder / ".hidden.txt").write_text(LEGEND, encoding="utf-8")
    return folder


def test_scan_reports_matches_and_per_file_errors(library: Library, tmp_path: Path) -> None:
    results = {Path(r.file).name: r for r in scan_paths([_folder(tmp_path)], library)}
    assert sorted(results) == ["broken.jpg", "copy.jpg", "empty.png", "notes.xyz", "story.txt"]
    assert [m.work_id for m in results["copy.jpg"].matches] == ["w1"]
    assert [m.work_id for m in results["story.txt"].matches] == ["w2"]
    for bad in ("broken.jpg", "notes.xyz", "empty.png"):
        assert results[bad].error and not results[bad].matches
    assert "suffix" in (results["notes.xyz"].error or "")


def test_kinds_and_text_encoding(tmp_path: Path) -> None:
    assert kind_of(Path("a.MP4")) == "video" and kind_of(Path("b.flac")) == "audio"
    with pytest.raises(UnsupportedMedia):
        kind_of(Path("noext"))
    latin1 = tmp_path / "x.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    results = scan_paths([latin1, tmp_path / "missing.png"], Library())
    assert "UTF-8" in (results[0].error or "")
    assert "not a file" in (results[1].error or "")
    utf8 = tmp_path / "ok.txt"
    utf8.write_text("hello world", encoding="utf-8")
    assert fingerprint_file(utf8).kind == "text"


def test_an_unexpected_library_failure_is_that_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    from culturebridge.fingerprint import scan as scan_module
    from culturebridge.fingerprint.matcher import Library

    good, bad = tmp_path / "a.txt", tmp_path / "b.png"
    good.write_text("山不在高，有仙则名。水不在深，有龙则灵。", encoding="utf-8")
    bad.write_bytes(b"whatever")

    def broken(data: bytes, **_: object) -> None:
        raise cv2.error("OpenCV(4.x) resize.cpp: error: (-215:Assertion failed)")

    monkeypatch.setattr(scan_module, "fingerprint_image", broken)
    results = {Path(r.file).name: r for r in scan_module.scan_paths([tmp_path], Library())}
    assert results["a.txt"].error is None
    assert results["b.png"].error is not None and "could not fingerprint" in results["b.png"].error
    assert "error" in results["b.png"].error and "Assertion failed" in results["b.png"].error
