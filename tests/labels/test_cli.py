from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from culturebridge.cli.labels import app
from culturebridge.labels import create_label_key, create_signing_chain

runner = CliRunner()


def test_apply_then_check_json(media: dict[str, bytes], tmp_path: Path) -> None:
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    src.write_bytes(media["a.png"])
    key = tmp_path / "label.key"
    create_label_key(key)
    certs = tmp_path / "c2pa"
    create_signing_chain(certs)
    result = runner.invoke(
        app,
        [
            "apply",
            str(src),
            "-o",
            str(out),
            "--producer",
            "CB",
            "--produce-id",
            "w1",
            "--explicit",
            "--lang",
            "en",
            "--c2pa",
            "--cert-dir",
            str(certs),
            "--label-key",
            str(key),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["c2pa"] == "Trusted"
    checked = runner.invoke(
        app, ["check", str(out), "--json", "--label-key", str(key), "--cert-dir", str(certs)]
    )
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)[0]
    assert report["verdict"] == "compliant" and report["integrity"] == ["valid", "absent"]
    assert report["explicit_label"] == "en" and report["c2pa"]["validation_state"] == "Trusted"


def test_check_text_output_lists_reasons(media: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(media["a.png"])
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0
    assert "no label" in result.output and "extension .txt" in result.output


def test_errors_are_culturebridge_errors(tmp_path: Path) -> None:
    from culturebridge.errors import InvalidInput, NotFound

    missing = runner.invoke(app, ["check", str(tmp_path / "none.png")])
    assert isinstance(missing.exception, NotFound)
    (tmp_path / "a.md").write_text("hi")
    no_cert = runner.invoke(
        app, ["apply", str(tmp_path / "a.md"), "-o", str(tmp_path / "b.md"), "--c2pa"]
    )
    assert isinstance(no_cert.exception, InvalidInput)


def test_every_command_and_option_is_documented() -> None:
    import typer.main

    doc = (Path(__file__).parents[2] / "docs" / "labels.md").read_text(encoding="utf-8")
    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        assert f"labels {name}" in doc
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in doc, f"{name} {opt} is not documented in docs/labels.md"
