"""`culturebridge labels ...` against an initialised data directory: platform keys, log, status."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from culturebridge.accounts.users import get_user_by_name
from culturebridge.cli import app
from culturebridge.errors import InvalidInput, NotFound, PermissionDenied
from culturebridge.jobs import ingest
from culturebridge.platform import Platform
from tests.factories import make_work, png_bytes
from tests.labels.conftest import run_jobs

runner = CliRunner()


def _cli(platform: Platform, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(platform.settings.data_dir), "labels", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_apply_uses_the_platform_keys_and_is_logged(labels_platform: Platform, tmp_path: Path) -> None:
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    src.write_bytes(png_bytes(64, 48))
    applied = json.loads(
        _cli(labels_platform, "apply", str(src), "-o", str(out), "--producer", "CB", "--c2pa", "--as", "mei", "--json")
    )
    assert applied["c2pa"] == "Trusted"  # signed with the data directory's chain
    assert applied["label"]["ReservedCode1"].startswith("cb1.")
    report = json.loads(_cli(labels_platform, "check", str(out), "--json"))[0]
    assert report["integrity"] == ["valid", "absent"]  # verified with the platform key by default
    assert report["c2pa"]["validation_state"] == "Trusted"
    events = json.loads(_cli(labels_platform, "log", "--json"))
    assert [(e["action"], e["actor"]) for e in events] == [("apply-file", "mei")]
    assert events[0]["label"]["ContentProducer"] == "CB" and str(out) in events[0]["detail"]


def test_apply_without_a_data_dir_needs_cert_dir(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    src.write_bytes(png_bytes())
    result = runner.invoke(
        app,
        ["--data-dir", str(tmp_path / "none"), "labels", "apply", str(src), "-o", str(tmp_path / "o.png"), "--c2pa"],
    )
    assert isinstance(result.exception, InvalidInput) and "--cert-dir" in result.exception.message


def test_status_log_and_publish_of_a_work(labels_platform: Platform) -> None:
    with labels_platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei, ai_generated=True, kind="image")
        asset = ingest(conn, labels_platform, mei, work.id, io.BytesIO(png_bytes(80, 60)), "gen.png")
    pending = _cli(labels_platform, "status", work.id)
    assert "not checked yet" in pending
    run_jobs(labels_platform)
    rows = json.loads(_cli(labels_platform, "status", work.id, "--json"))
    assert [(r["verdict"], r["tier"], r["purpose"]) for r in rows] == [
        ("no label", "可能为AI生成", None),
        ("compliant", "可能为AI生成", "implicit"),
    ]
    text = _cli(labels_platform, "log", "--work", work.id)
    assert "rendition" in text and "「可能为AI生成」" in text
    published = json.loads(_cli(labels_platform, "publish", asset.id, "--lang", "zh", "--as", "mei", "--json"))
    assert published["source_asset_id"] == asset.id and published["asset_id"] != asset.id
    again = json.loads(_cli(labels_platform, "publish", asset.id, "--lang", "zh", "--json"))
    assert again["asset_id"] == published["asset_id"]
    assert len(json.loads(_cli(labels_platform, "log", "--asset", asset.id, "--json"))) == 3  # check, rendition, publication


def test_publish_refuses_someone_elses_asset(labels_platform: Platform) -> None:
    with labels_platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei, ai_generated=True, kind="image")
        asset = ingest(conn, labels_platform, mei, work.id, io.BytesIO(png_bytes()), "gen.png")
    result = runner.invoke(
        app, ["--data-dir", str(labels_platform.settings.data_dir), "labels", "publish", asset.id, "--as", "bo"]
    )
    # Someone else's unpublished work is not even visible: NotFound, not PermissionDenied.
    assert isinstance(result.exception, (PermissionDenied, NotFound)), result.exception
