"""`culturebridge audit ...` end to end against local endpoints: run --json shape, keys, report, diff, hand-off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from culturebridge.cli import main
from tests.audit.chat_servers import Script, scripted_server
from tests.audit.conftest import subset


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(path))
    monkeypatch.setenv("CULTUREBRIDGE_AUDIT_RETRIES", "4")
    assert main(["init", "--password", "admin-password"]) == 0
    return path


@pytest.fixture
def set_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(subset("dragon-boat-origin", "mid-autumn-food").to_dict(), allow_unicode=True),
                    encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_run_json_shape_keys_report_and_diff(data_dir: Path, set_file: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CULTUREBRIDGE_AUDIT_KEY_SHY", "sk-shy-secret-77")
    with scripted_server(Script(prefer=0.75)) as (u1, s1), scripted_server(Script(refuse={"zh-Hans": 1.0})) as (u2, s2):
        argv = ["audit", "run", str(set_file), "--endpoint", f"open={u1}@m", "--endpoint", f"shy={u2}@m",
                "--lang", "en", "--lang", "zh-Hans", "--samples", "4", "--json"]
        out = _run(capsys, argv)
        again = _run(capsys, argv)
        assert s1.requests == 8 * 2 and s2.requests == 8 * 2  # the second run came from the cache
    assert s2.auth == {"Bearer sk-shy-secret-77"} and s1.auth == {"Bearer not-needed"}
    assert set(out) == {"run_id", "endpoints", "pairs"}
    assert out["endpoints"]["shy"]["zh-Hans"]["refusal_rate"] == 1.0
    assert out["endpoints"]["open"]["en"] == {"refusal_rate": 0.0, "answers": 8,
                                              "questions": {"dragon-boat-origin": {"distribution": [0.75, 0.25, 0.0, 0.0]}}}
    kinds = {(p["kind"], p.get("language") or p.get("endpoint")) for p in out["pairs"]}
    assert ("endpoints", "en") in kinds and ("languages", "open") in kinds
    html, full = tmp_path / "r.html", tmp_path / "r.json"
    assert main(["audit", "report", out["run_id"], "--html", str(html), "--report-json", str(full)]) == 0
    assert "sk-shy-secret-77" not in html.read_text(encoding="utf-8") + full.read_text(encoding="utf-8")
    assert json.loads(full.read_text(encoding="utf-8"))["run_id"] == out["run_id"]
    listed = _run(capsys, ["audit", "list", "--json"])
    assert {r["run_id"] for r in listed} == {out["run_id"], again["run_id"]}
    diff = _run(capsys, ["audit", "diff", out["run_id"], again["run_id"], "--json"])
    assert diff["changes"] == [] and diff["same_set"]
    assert main(["audit", "handoff", out["run_id"], "dragon-boat-origin", "--ip", "nobody", "--to", "canon",
                 "--note", "n"]) == 3


def test_errors_are_one_line(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: s\nversion: 1\nquestions:\n  - {id: q1, topic: t, tier: hot, prompts: {en: hi}}\n",
                   encoding="utf-8")
    assert main(["audit", "run", str(bad), "--endpoint", "a=http://127.0.0.1:9/v1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: question set: questions[0] (q1).tier") and "\n" not in err
    assert main(["audit", "run", "chinese-culture-basics", "--endpoint", "broken"]) == 2
    assert "NAME=BASE_URL" in capsys.readouterr().err
    assert main(["audit", "report", "ar-missing"]) == 3
    assert main(["audit", "validate", "chinese-culture-basics"]) == 0
    assert "60 questions" in capsys.readouterr().out
