from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge import catalog
from culturebridge.catalog import CanonCard, NewWork
from culturebridge.cli._context import CliContext
from culturebridge.cli.localize import app
from culturebridge.errors import (
    ConfigurationError,
    IPNotFound,
    MalformedSubtitles,
    UnsupportedLanguage,
)
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings
from tests.localize.chat_server import chat_server, phrase_answer
from tests.localize.conftest import CARD

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An initialised data directory (SQLite) holding the test IP and one work by the admin."""
    folder = tmp_path / "data"
    platform, admin = init_platform(Settings(data_dir=folder), "admin", "password-admin")
    with platform.db.write() as conn:
        catalog.add_ip(conn, admin, CanonCard.from_dict(CARD))
        catalog.create_work(conn, admin, NewWork(
            kind="story", original_language="zh", titles={"zh": "大闹天宫"}, synopses={"zh": "孙悟空驾筋斗云。"},
            ip_name="journey-to-the-west"), work_id="w-test")
    platform.close()
    return folder


def test_qa_json(tmp_path: Path, canon_dir: Path) -> None:
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("孙悟空驾筋斗云。\n他走了一百零八里路。\n", encoding="utf-8")
    tgt.write_text("Sun Wukong rides the somersault cloud.\nThe monkey walked 180 li li li.\n", encoding="utf-8")
    result = runner.invoke(app, ["qa", "--ip", "journey-to-the-west", "--source-lang", "zh", "--target-lang", "en",
                                 "--source", str(src), "--target", str(tgt), "--json", "--canon-dir", str(canon_dir)])
    assert result.exit_code == 0, result.output
    issues = json.loads(result.output)
    assert {(i["line"], i["check"]) for i in issues} >= {(2, "numbers"), (2, "repetition")}
    assert all(set(i) == {"line", "check", "span", "message"} for i in issues)
    assert not [i for i in issues if i["line"] == 1]


def test_qa_unknown_ip(tmp_path: Path, canon_dir: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("x\n", encoding="utf-8")
    result = runner.invoke(app, ["qa", "--ip", "nope", "--source", str(f), "--target", str(f),
                                 "--canon-dir", str(canon_dir)])
    assert isinstance(result.exception, IPNotFound)


def test_subtitles_fit(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:01,300\nSun Wukong leapt into the clouds, and Heaven could not "
                   "follow him.\n", encoding="utf-8")
    out = tmp_path / "out.vtt"
    result = runner.invoke(app, ["subtitles-fit", str(src), "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT") and "clouds,\nand Heaven" in text


def test_subtitles_fit_malformed(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_bytes(b"nonsense")
    result = runner.invoke(app, ["subtitles-fit", str(src), "--lang", "en", "-o", str(tmp_path / "o.srt")])
    assert isinstance(result.exception, MalformedSubtitles)


def test_subtitles_translate_with_tiny_model(tmp_path: Path, canon_dir: Path, tiny_model: Path, data_dir: Path) -> None:
    src = tmp_path / "ep1.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:03,000\n孙悟空驾筋斗云。\n\n2\n00:00:04,000 --> 00:00:06,000\n武松打虎。\n",
                   encoding="utf-8")
    args = ["subtitles", str(src), "--ip", "journey-to-the-west", "--to", "en", "--engine-dir", str(tiny_model),
            "--canon-dir", str(canon_dir), "--json"]
    result = runner.invoke(app, args, obj=CliContext(data_dir))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    out = Path(report["output"])
    assert out.name == "ep1.en.srt" and report["cues"] >= 2 and report["reused"] == 0
    again = json.loads(runner.invoke(app, args, obj=CliContext(data_dir)).output)
    assert again["reused"] == 2  # resumed from the checkpoint


def test_subtitles_without_engine(tmp_path: Path, canon_dir: Path) -> None:
    src = tmp_path / "ep1.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:03,000\n武松打虎。\n", encoding="utf-8")
    result = runner.invoke(app, ["subtitles", str(src), "--ip", "journey-to-the-west", "--to", "en",
                                 "--canon-dir", str(canon_dir)])
    assert isinstance(result.exception, ConfigurationError)


def test_glossary_export_and_tm_round_trip(tmp_path: Path, canon_dir: Path, data_dir: Path) -> None:
    tbx = tmp_path / "g.tbx"
    result = runner.invoke(app, ["glossary", "export", "--ip", "journey-to-the-west", "--format", "tbx",
                                 "-o", str(tbx), "--canon-dir", str(canon_dir)])
    assert result.exit_code == 0, result.output
    assert "Sun Wukong" in tbx.read_text(encoding="utf-8")
    tmx = tmp_path / "in.tmx"
    tmx.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="zh"/><body><tu>'
                   '<tuv xml:lang="zh"><seg>武松打虎。</seg></tuv><tuv xml:lang="en"><seg>Wu Song kills the tiger.</seg>'
                   '</tuv></tu></body></tmx>', encoding="utf-8")
    obj = CliContext(data_dir)
    result = runner.invoke(app, ["tm", "import", str(tmx), "--ip", "journey-to-the-west"], obj=obj)
    assert result.exit_code == 0 and "1 new, 1 total" in result.output, result.output
    out = tmp_path / "out.tmx"
    result = runner.invoke(app, ["tm", "export", "--ip", "journey-to-the-west", "-o", str(out)], obj=CliContext(data_dir))
    assert result.exit_code == 0 and "Wu Song kills the tiger." in out.read_text(encoding="utf-8")


def test_unsupported_language(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n", encoding="utf-8")
    result = runner.invoke(app, ["subtitles-fit", str(src), "--lang", "tlh", "-o", str(tmp_path / "o.srt")])
    assert isinstance(result.exception, UnsupportedLanguage)


def test_xliff_export_then_import_into_memory(tmp_path: Path, data_dir: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("武松打虎。\n\n林黛玉葬花。\n", encoding="utf-8")
    xlf = tmp_path / "job.xlf"
    result = runner.invoke(app, ["xliff-export", str(src), "--from", "zh", "--to", "en", "-o", str(xlf)])
    assert result.exit_code == 0 and "2 segments" in result.output
    # the outside translator fills in one target
    xlf.write_text(xlf.read_text(encoding="utf-8").replace(
        "<source>武松打虎。</source>", "<source>武松打虎。</source><target>Wu Song kills the tiger.</target>"),
        encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", str(xlf), "--ip", "water-margin"], obj=CliContext(data_dir))
    assert result.exit_code == 0 and "1 new, 1 total" in result.output, result.output


def test_work_with_endpoint_waits_and_reports(data_dir: Path) -> None:
    with chat_server(phrase_answer({"大闹天宫": "Havoc in Heaven", "驾": " rides the ", "。": "."})) as (url, asked):
        result = runner.invoke(app, ["work", "w-test", "--to", "en", "--endpoint", url, "--model", "m", "--wait",
                                     "--json"], obj=CliContext(data_dir))
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["state"] == "done" and row["done"] == row["segments"] == 2 and row["job_state"] == "done"
    assert row["derived_work"] and row["engine"] == "openai:m" and len(asked) == 2
    status = runner.invoke(app, ["status", "w-test"], obj=CliContext(data_dir))
    assert status.exit_code == 0 and status.output.startswith("en: done (2/2 segments")


def test_work_human_is_queued_and_needs_a_translator(data_dir: Path) -> None:
    obj = CliContext(data_dir)
    result = runner.invoke(app, ["work", "w-test", "--to", "fr", "--human", "--json"], obj=obj)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["state"] == "queued"
    result = runner.invoke(app, ["work", "w-test", "--to", "fr", "--human", "--wait", "--json"], obj=CliContext(data_dir))
    [row] = json.loads(result.output)
    assert row["state"] == "needs_human" and row["derived_work"] is None


def test_work_without_engine_and_glossary_seed(data_dir: Path) -> None:
    result = runner.invoke(app, ["work", "w-test", "--to", "en"], obj=CliContext(data_dir))
    assert isinstance(result.exception, ConfigurationError)
    result = runner.invoke(app, ["glossary", "seed", "--ip", "journey-to-the-west"], obj=CliContext(data_dir))
    assert result.exit_code == 0 and "glossary terms" in result.output
    result = runner.invoke(app, ["glossary", "seed", "--ip", "nope"], obj=CliContext(data_dir))
    assert isinstance(result.exception, IPNotFound)


def test_every_command_is_documented() -> None:
    import typer.main

    doc = (Path(__file__).parents[2] / "docs" / "localize.md").read_text(encoding="utf-8")
    group = typer.main.get_group(app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    missing = [n for n in names if f"`{n}" not in doc and f"`culturebridge localize {n}" not in doc]
    assert names and not missing, missing


def test_work_xliff_export_and_import(tmp_path: Path, data_dir: Path) -> None:
    runner.invoke(app, ["work", "w-test", "--to", "en", "--human", "--wait"], obj=CliContext(data_dir))
    xlf = tmp_path / "w.xlf"
    result = runner.invoke(app, ["work-xliff", "w-test", "--to", "en", "-o", str(xlf)], obj=CliContext(data_dir))
    assert result.exit_code == 0, result.output
    xlf.write_text(xlf.read_text(encoding="utf-8").replace(
        "<source>大闹天宫</source>", "<source>大闹天宫</source><target>Havoc in Heaven</target>"), encoding="utf-8")
    result = runner.invoke(app, ["work-xliff-import", "w-test", str(xlf), "--to", "en"], obj=CliContext(data_dir))
    assert result.exit_code == 0 and "1 segment(s) updated, 0 refused" in result.output, result.output
    status = json.loads(runner.invoke(app, ["status", "w-test", "--json"], obj=CliContext(data_dir)).output)
    assert status[0]["done"] == 1 and status[0]["derived_work"]
