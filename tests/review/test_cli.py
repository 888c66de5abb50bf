from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from culturebridge.cli.review import app
from culturebridge.errors import CanonCardNotFound, PolicyInvalid, ReviewTextInvalid
from culturebridge.review import load_policy

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_check_json_on_the_demo_pack_out_of_the_box() -> None:
    result = runner.invoke(
        app, ["check", "--ip", "journey-to-the-west", "--text", "唐僧下令屠杀村民，孙悟空背叛了师父。", "--json", "--no-models"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["decision"] == "reject"
    assert data["policy_version"] == load_policy("cn-nrta-ai-alteration").version and data["automated"] is True
    assert {f["clause"] for f in data["findings"]} == {"nrta-1"}
    assert all("evidence" in f and "explanation" in f for f in data["findings"])


def test_check_text_output_from_a_file(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("赵明与魏澜在江边救起一位渔夫。", encoding="utf-8")
    result = runner.invoke(
        app, ["check", "--ip", "river-oath", "--file", str(story), "--canon-dir", str(FIXTURES), "--ai-generated",
              "--no-models"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS")
    assert "apply-ai-label" in result.output


def test_check_errors_are_error_subclasses(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["check", "--ip", "nope", "--text", "x", "--canon-dir", str(FIXTURES), "--no-models"])
    assert isinstance(unknown.exception, CanonCardNotFound)
    assert "river-oath" in unknown.exception.diagnostic()
    empty = runner.invoke(app, ["check", "--ip", "river-oath", "--text", "  ", "--canon-dir", str(FIXTURES)])
    assert isinstance(empty.exception, ReviewTextInvalid)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: '1'\nchecks: 3\n", encoding="utf-8")
    broken = runner.invoke(
        app, ["check", "--ip", "river-oath", "--text", "x", "--canon-dir", str(FIXTURES), "--policy", str(bad)]
    )
    assert isinstance(broken.exception, PolicyInvalid)
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 10)
    result = runner.invoke(app, ["check", "--ip", "river-oath", "--file", str(binary), "--canon-dir", str(FIXTURES)])
    assert isinstance(result.exception, ReviewTextInvalid)


def test_policies_lists_bundled_packs() -> None:
    result = runner.invoke(app, ["policies"])
    assert result.exit_code == 0
    assert load_policy("cn-nrta-ai-alteration").ref in result.output and "generic-safety@1.0" in result.output
