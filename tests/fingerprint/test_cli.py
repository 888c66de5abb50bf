"""`culturebridge fingerprint` commands through Typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps
from typer.testing import CliRunner

from culturebridge.cli.fingerprint import app
from culturebridge.errors import NotFound, UndecodableMedia
from culturebridge.fingerprint.image import Box, ImageFingerprint

from .conftest import encode, photo
from .test_text import ENGLISH

runner = CliRunner()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "original": tmp_path / "original.png",
        "story": tmp_path / "story.txt",
        "copy": tmp_path / "in" / "copy.jpg",
        "quote": tmp_path / "in" / "quote.txt",
        "bad": tmp_path / "in" / "bad.png",
    }
    paths["copy"].parent.mkdir()
    paths["original"].write_bytes(encode(photo("rocket")))
    paths["story"].write_text(ENGLISH, encoding="utf-8")
    paths["copy"].write_bytes(encode(ImageOps.mirror(photo("rocket")), "JPEG", quality=50))
    paths["quote"].write_text("As the blurb says: " + ENGLISH[:150], encoding="utf-8")
    paths["bad"].write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return paths


def test_register_then_scan_json(files: dict[str, Path], tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    result = runner.invoke(app, ["register", str(files["original"]), str(files["story"]),
                                 "--library", lib, "--work", "W1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "library holds 2" in result.output
    result = runner.invoke(app, ["scan", str(files["copy"].parent), "--library", lib, "--json"])
    assert result.exit_code == 0, result.output
    rows = {Path(r["file"]).name: r for r in json.loads(result.output)}
    assert set(rows) == {"copy.jpg", "quote.txt", "bad.png"}
    (img,) = rows["copy.jpg"]["matches"]
    assert (img["work_id"], img["asset_id"], img["kind"], img["span"]) == (
        "W1",
        "original.png",
        "image",
        None,
    )
    (txt,) = rows["quote.txt"]["matches"]
    assert txt["asset_id"] == "story.txt" and txt["span"]["unit"] == "characters"
    assert txt["span"]["query_start"] >= len("As the blurb says: ") - 1
    assert rows["bad.png"]["matches"] == [] and "cannot decode image" in rows["bad.png"]["error"]
    assert "error" not in rows["copy.jpg"]


def test_scan_text_output(files: dict[str, Path], tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    runner.invoke(
        app, ["register", str(files["original"]), "--library", lib, "--work", "W9", "--asset", "A9"]
    )
    result = runner.invoke(app, ["scan", str(files["copy"]), str(files["bad"]), "--library", lib])
    assert result.exit_code == 0, result.output
    assert "image copy of work W9 asset A9" in result.output
    assert "bad.png: error:" in result.output


def test_fingerprint_command(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["fingerprint", str(files["original"]), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["kind"] == "image" and len(info["pdq"][0]["hash"]) == 64
    result = runner.invoke(app, ["fingerprint", str(files["story"])])
    assert result.exit_code == 0 and "simhash" in result.output


def test_errors_reach_the_caller_as_culturebridge_errors(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["scan", str(files["copy"]), "--library", str(tmp_path / "none")])
    assert isinstance(result.exception, NotFound)
    result = runner.invoke(app, ["fingerprint", str(files["bad"])])
    assert isinstance(result.exception, UndecodableMedia)


def test_platform_scan_report_conflicts_and_decide(files: dict[str, Path], tmp_path: Path) -> None:
    import io

    from culturebridge import fingerprint
    from culturebridge.accounts.users import create_user
    from culturebridge.cli import app as root_app
    from culturebridge.fingerprint import shared_library
    from culturebridge.jobs import ingest, run_one
    from culturebridge.pipeline import init_platform
    from culturebridge.settings import Settings
    from tests.factories import fan_out, make_work

    data = tmp_path / "data"
    platform, _ = init_platform(Settings(data_dir=data), "admin", "password-for-tests")
    try:
        with platform.db.write() as conn:
            mei = create_user(conn, "mei", "password-for-tests", "creator")
            bo = create_user(conn, "bo", "password-for-tests", "creator")
            original = make_work(conn, mei, "火箭")
            copy_work = make_work(conn, bo, "拷贝")
            src = ingest(conn, platform, mei, original.id, io.BytesIO(files["original"].read_bytes()), "rocket.png")
            ingest(conn, platform, bo, copy_work.id, io.BytesIO(files["copy"].read_bytes()), "copy.jpg")
        fan_out(platform)
        handlers = {fingerprint.JOB_KIND: fingerprint.job_handler(platform)}
        while run_one(platform.db, handlers) is not None:
            pass
    finally:
        platform.close()
        shared_library._loaded.clear()
    base = ["--data-dir", str(data)]
    report = tmp_path / "report.html"
    result = runner.invoke(root_app, [*base, "scan", str(files["copy"]), str(files["bad"]), "--json",
                                      "--report", str(report), "--base-url", "https://cb.example"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {Path(r["file"]).name: r for r in json.loads(result.output)}
    assert {(m["work_id"], m["asset_id"]) for m in rows["copy.jpg"]["matches"]} >= {(original.id, src.id)}
    assert "cannot decode image" in rows["bad.png"]["error"]
    page = report.read_text(encoding="utf-8")
    assert f'href="https://cb.example/studio/works/{original.id}"' in page and "火箭" in page
    assert "not registered" in page and "bad.png" in page
    result = runner.invoke(root_app, [*base, "fingerprint", "conflicts", "--json"])
    assert result.exit_code == 0, result.output
    (conflict,) = json.loads(result.output)
    assert (conflict["matched_work_id"], conflict["state"]) == (original.id, "open")
    result = runner.invoke(root_app, [*base, "fingerprint", "decide", conflict["id"], "licensed", "--as", "bo"])
    assert result.exit_code != 0  # the copier cannot decide
    result = runner.invoke(root_app, [*base, "fingerprint", "decide", conflict["id"], "licensed", "--as", "mei"])
    assert result.exit_code == 0 and "licensed" in result.output, result.output
    result = runner.invoke(root_app, [*base, "fingerprint", "conflicts", "--state", "open"])
    assert result.exit_code == 0 and "no conflicts" in result.output


def test_scan_keeps_to_the_settings_decode_budgets(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = str(tmp_path / "lib")
    assert runner.invoke(app, ["register", str(files["original"]), "--library", lib, "--work", "W1"]).exit_code == 0
    gif = files["copy"].parent / "copy.gif"  # a GIF only decodes whole: 512 x 512 = 262,144 px
    ImageOps.mirror(photo("rocket")).resize((512, 512)).save(gif)
    result = runner.invoke(app, ["scan", str(gif), "--library", lib, "--json"])
    (row,) = json.loads(result.output)
    assert [m["work_id"] for m in row["matches"]] == ["W1"]
    monkeypatch.setenv("CULTUREBRIDGE_MAX_WHOLE_DECODE_PIXELS", "100000")
    result = runner.invoke(app, ["scan", str(gif), "--library", lib, "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["matches"] == [] and "100000" in row["error"].replace(",", "")


def test_register_and_scan_ignore_the_platforms_label_plate(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import culturebridge.pipeline
    from culturebridge.fingerprint.matcher import Library
    from culturebridge.labels.explicit import label_image

    looked: list[tuple[int, ...]] = []
    finder = culturebridge.pipeline.fingerprint_overlays

    def spy(rgb: np.ndarray) -> Sequence[Box]:
        looked.append(rgb.shape)
        return finder(rgb)

    monkeypatch.setattr(culturebridge.pipeline, "fingerprint_overlays", spy)
    labelled = files["original"].parent / "labelled.jpg"
    labelled.write_bytes(label_image(encode(photo("rocket").resize((900, 600)), "JPEG", quality=90), "zh"))
    lib = tmp_path / "lib"
    assert runner.invoke(app, ["register", str(labelled), "--library", str(lib), "--work", "W1"]).exit_code == 0
    assert looked == [(600, 900, 3)]
    ((x0, y0, x1, y1),) = finder(np.asarray(Image.open(labelled).convert("RGB")))
    stored = Library.load(lib).fingerprint(0)  # the registered fingerprint has no keypoint on the plate
    assert stored is not None and isinstance(stored.value, ImageFingerprint)
    view = stored.value.views[0]
    sx, sy = view.frame()[0] / 900, view.frame()[1] / 600
    p = view.points
    assert not ((p[:, 0] >= x0 * sx) & (p[:, 0] <= x1 * sx) & (p[:, 1] >= y0 * sy) & (p[:, 1] <= y1 * sy)).any()
    result = runner.invoke(app, ["scan", str(labelled), "--library", str(lib), "--json"])
    assert result.exit_code == 0, result.output
    assert looked == [(600, 900, 3)] * 2 and [m["work_id"] for m in json.loads(result.output)[0]["matches"]] == ["W1"]
