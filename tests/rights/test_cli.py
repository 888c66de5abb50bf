from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli import main
from culturebridge.cli.rights import app
from tests.factories import png_bytes

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(path))
    assert main(["init", "--password", "admin-password"]) == 0
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, dict)
    return out


def _work(capsys: pytest.CaptureFixture[str], tmp_path: Path, title: str, seed: int, *extra: str) -> tuple[str, Path]:
    work = _json(capsys, ["works", "add", "--title", f"zh={title}", "--json", *extra])
    image = tmp_path / f"{seed}.png"
    image.write_bytes(png_bytes(seed=seed))
    _json(capsys, ["assets", "add", str(work["id"]), str(image), "--json"])
    return str(work["id"]), image


def test_register_bundle_checkpoint_and_verify_from_the_data_dir(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (data_dir / "keys" / "log.pem").stat().st_mode & 0o777 == 0o600  # made by `init`
    work_id, image = _work(capsys, tmp_path, "剪纸", 1)
    cert = _json(capsys, ["rights", "register", work_id, "--licence", "CC-BY-4.0", "--json"])
    assert (cert["leaf_index"], cert["tree_size"]) == (0, 1)
    assert _json(capsys, ["rights", "certificate", work_id, "--json"])["leaf_hash"] == cert["leaf_hash"]

    bundle = tmp_path / "bundle.json"
    assert main(["rights", "bundle", work_id, "-o", str(bundle)]) == 0
    report = _json(capsys, ["verify", str(bundle), str(image), "--json"])
    assert report["valid"] is True and report["work_id"] == work_id and report["licence"] == "CC-BY-4.0"

    # A derivative refuses until its source is registered, then names the source's claim.
    derived_id, _ = _work(capsys, tmp_path, "剪纸（译）", 2, "--derived-from", work_id, "--derivation", "translation")
    capsys.readouterr()
    assert main(["rights", "register", derived_id]) == 0
    checkpoint = _json(capsys, ["rights", "checkpoint", "--json"])
    assert checkpoint["tree_size"] == 2
    capsys.readouterr()
    assert main(["verify", str(bundle), "--trust-log-key", str(checkpoint["log_public_key"])]) == 0
    assert main(["verify", str(bundle), "--trust-log-key", base64.b64encode(bytes(32)).decode()]) != 0
    assert main(["rights", "register", derived_id]) == 4  # nothing changed: AlreadyRegistered
    assert "already registered" in capsys.readouterr().err

    # Verification failures exit non-zero and name the failing check.
    other = tmp_path / "other.png"
    other.write_bytes(png_bytes(seed=99))
    capsys.readouterr()
    assert main(["verify", str(bundle), str(other)]) != 0
    captured = capsys.readouterr()
    assert "FAIL media-hash" in captured.out and "media-hash" in captured.err
    data = json.loads(bundle.read_text())
    data["tree_size"] = 2
    bundle.write_text(json.dumps(data))
    assert main(["verify", str(bundle)]) != 0
    assert "checkpoint-signature" in capsys.readouterr().err
    bundle.write_text("{trunc")
    assert main(["verify", str(bundle)]) != 0
    assert "parse" in capsys.readouterr().err


def test_unknown_work_and_bad_licence_are_one_line_errors(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rights", "register", "w-missing"]) == 3
    assert main(["rights", "bundle", "w-missing"]) == 3
    work_id, _ = _work(capsys, tmp_path, "皮影", 3)
    capsys.readouterr()
    assert main(["rights", "register", work_id, "--licence", "GPL"]) == 2
    assert "is not one of" in capsys.readouterr().err
    assert main(["rights", "register", work_id, "--licence", "custom"]) == 2  # terms required
    assert main(["rights", "bundle", work_id]) == 3  # not registered yet
    assert "rights register" in capsys.readouterr().err


def test_keygen_prints_the_public_key(tmp_path: Path) -> None:
    out = runner.invoke(app, ["keygen", str(tmp_path / "k.pem")])
    assert out.exit_code == 0, out.output
    assert len(base64.b64decode(out.output.strip())) == 32
    again = runner.invoke(app, ["keygen", str(tmp_path / "k.pem")])
    assert again.exit_code != 0
