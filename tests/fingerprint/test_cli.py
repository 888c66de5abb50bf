"""`culturebridge fingerprint` commands through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import ImageOps
from typer.testing import CliRunner

from culturebridge.cli.fingerprint import app
from culturebridge.errors import NotFound, UndecodableMedia

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
