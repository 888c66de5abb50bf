from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebridge.cli import main
from tests.factories import png_bytes


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(path))
    assert main(["init", "--password", "admin-password"]) == 0
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_init_creates_a_private_key_folder_and_refuses_twice(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (data_dir / "keys").stat().st_mode & 0o777 == 0o700
    assert main(["init", "--password", "admin-password"]) == 4
    assert "already initialised" in capsys.readouterr().err


def test_uninitialised_data_dir_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "none"), "works", "list"]) == 8
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: data directory") and "culturebridge init" in err and "\n" not in err


def test_works_assets_ip_and_lineage(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = tmp_path / "card.yaml"
    card.write_text(
        "name: water-margin\ntitles: {zh: 水浒传, en: Water Margin}\nprotection: classic\n"
        "characters:\n  - {id: wu-song, names: {zh: 武松, en: Wu Song}, aliases: {zh: [武二郎]}}\n",
        encoding="utf-8",
    )
    assert main(["ip", "add", str(card)]) == 0
    source = _json(capsys, ["works", "add", "--title", "zh=武松打虎", "--ip", "water-margin", "--json"])
    assert isinstance(source, dict)
    derived = _json(
        capsys,
        ["works", "add", "--title", "en=Wu Song and the Tiger (AI)", "--lang", "en", "--ai-generated",
         "--derived-from", source["id"], "--derivation", "ai-adaptation", "--tool", "model-x", "--json"],
    )
    assert isinstance(derived, dict)
    image = tmp_path / "tiger.png"
    image.write_bytes(png_bytes())
    result = _json(capsys, ["assets", "add", derived["id"], str(image), "--json"])
    assert isinstance(result, dict) and result["refused"] == []
    added = result["added"]
    assert added[0]["media_type"] == "image/png"
    shown = _json(capsys, ["works", "show", derived["id"], "--json"])
    assert isinstance(shown, dict) and shown["assets"][0]["id"] == added[0]["id"]
    assert shown["derived_from"][0]["source_id"] == source["id"]
    graph = _json(capsys, ["lineage", source["id"], "--json"])
    assert isinstance(graph, dict) and graph["descendants"] == [derived["id"]]
    listed = _json(capsys, ["works", "list", "-q", "tiger", "--json"])
    assert isinstance(listed, list) and [w["id"] for w in listed] == [derived["id"]]
    ip = _json(capsys, ["ip", "show", "water-margin", "--json"])
    assert isinstance(ip, dict) and ip["characters"][0]["aliases"]["zh"] == ["武二郎"]
    capsys.readouterr()
    assert main(["lineage", source["id"]]) == 0
    assert "Wu Song and the Tiger (AI)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["works", "show", "w-missing"], 3, "does not exist"),
        (["works", "add", "--title", "no-equals-sign"], 2, "LANG=TEXT"),
        (["works", "add", "--title", "zh=x", "--kind", "poem"], 2, "kind 'poem'"),
        (["works", "add", "--title", "zh=x", "--derived-from", "w-missing"], 3, "does not exist"),
        (["ip", "show", "nope"], 3, "IP 'nope'"),
        (["works", "frobnicate"], 2, "No such command"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    capsys.readouterr()
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_rejected_file_leaves_the_work_without_assets(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = _json(capsys, ["works", "add", "--title", "zh=灯会", "--json"])
    assert isinstance(work, dict)
    liar = tmp_path / "song.mp3"
    liar.write_bytes(png_bytes())
    assert main(["assets", "add", work["id"], str(liar)]) == 2
    shown = _json(capsys, ["works", "show", work["id"], "--json"])
    assert isinstance(shown, dict) and shown["assets"] == []
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes(seed=3))
    capsys.readouterr()
    assert main(["assets", "add", work["id"], str(liar), str(good), str(tmp_path / "missing.png")]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and "song.mp3" in err and "missing.png" in err and "2 of 3 files" in err
    shown = _json(capsys, ["works", "show", work["id"], "--json"])
    assert isinstance(shown, dict) and [a["original_name"] for a in shown["assets"]] == ["good.png"]


def test_users_tokens_settings_and_jobs(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "mei", "--role", "creator", "--password", "long-enough"]) == 0
    users = _json(capsys, ["users", "list", "--json"])
    assert isinstance(users, list) and {u["username"] for u in users} == {"admin", "mei"}
    capsys.readouterr()
    assert main(["users", "token", "mei"]) == 0
    assert capsys.readouterr().out.startswith("cbt_")
    settings = _json(capsys, ["settings", "--json"])
    assert isinstance(settings, list) and any(s["name"] == "database_url" for s in settings)
    assert _json(capsys, ["jobs", "list", "--json"]) == []
