"""`culturebridge create ...` against a local endpoint, as a user runs it."""

from __future__ import annotations

import json

import pytest

from culturebridge.cli import main
from tests.create.conftest import World


def _cli(world: World, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    data_dir = world.platform.settings.data_dir
    (data_dir / "culturebridge.toml").write_text(
        f'create_endpoints = "{world.platform.settings.create_endpoints}"\ncreate_endpoint = "local"\n', encoding="utf-8")
    code = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_draft_prints_one_object_with_work_source_kind_assets_review_labels(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(world, capsys, "create", "draft", "--from", world.source_id, "--kind", "image",
                        "--brief", "孙悟空灯笼设计", "--no-models", "--as", "mei", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"work_id", "source_id", "kind", "assets", "review", "labels"} <= set(data)
    assert data["source_id"] == world.source_id and data["kind"] == "image"
    assert data["review"] in ("pass", "review", "reject")
    assert data["labels"][0]["asset_id"] == data["assets"][0]["id"]
    code, out, _ = _cli(world, capsys, "create", "show", data["draft_id"], "--as", "mei", "--json")
    assert code == 0 and json.loads(out)["versions"][0]["work_id"] == data["work_id"]
    code, out, _ = _cli(world, capsys, "labels", "check", "--json",
                        str(world.platform.settings.resolved_media_dir))  # a folder is not a file
    assert code != 0


def test_a_bare_base_url_serves_chat_images_and_speech(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(world, capsys, "create", "draft", "--from", world.source_id, "--kind", "video",
                          "--endpoint", f"{world.base_url}@any-model", "--seconds", "6", "--scenes", "2",
                          "--no-models", "--as", "mei", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["assets"][0]["media_type"] == "video/mp4"
    assert data["labels"][0]["c2pa"] == "Trusted"
    paths = [p for p, _ in world.knobs.requests]
    assert any(p.endswith("/audio/speech") for p in paths) and any(p.endswith("/images/generations") for p in paths)


def test_a_refused_brief_is_one_line_and_exit_code_2(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(world, capsys, "create", "draft", "--from", world.source_id, "--kind", "story",
                          "--brief", "Sun Wukong betrays his master to the demons", "--as", "mei")
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "nrta-1" in errors[0] and err.endswith(errors[0] + "\n")
    code, out, _ = _cli(world, capsys, "create", "attempts", "--json")
    assert json.loads(out)[0]["state"] == "refused"


def test_endpoints_lists_models_without_keys(world: World, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CULTUREBRIDGE_CREATE_KEY_LOCAL", "sk-secret-value")
    code, out, _ = _cli(world, capsys, "create", "endpoints", "--json")
    assert code == 0 and "sk-secret-value" not in out
    [row] = json.loads(out)
    assert row["name"] == "local" and row["key"] == "set" and row["image_model"] == "sd-local"
