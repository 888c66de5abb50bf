"""`culturebridge review ...` on an initialised data directory: canon from the DB, the desk, shadow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.accounts import create_user, get_user_by_name
from culturebridge.catalog import add_ip
from culturebridge.cli import app
from culturebridge.errors import CanonCardNotFound, PolicyInvalid
from culturebridge.pipeline import init_platform
from culturebridge.review import load_canon_dir, load_policy
from culturebridge.review.policy import bundled_policies
from culturebridge.settings import Settings
from tests.review.desk_helpers import REJECT, REVIEW, adaptation, add_demo_ip

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    platform, admin = init_platform(Settings(data_dir=folder), "admin", "password-admin")
    with platform.db.write() as conn:
        add_demo_ip(conn, admin)
        add_ip(conn, admin, load_canon_dir(FIXTURES)["river-oath"])
        for name in ("rita", "ria"):
            create_user(conn, name, f"password-{name}", "reviewer")
        mei = create_user(conn, "mei", "password-mei", "creator")
        adaptation(conn, mei, REVIEW)
    platform.close()
    return folder


def _run(data_dir: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), "review", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def _work_id(data_dir: Path) -> str:
    out = runner.invoke(app, ["--data-dir", str(data_dir), "works", "list", "--json"])
    return str(json.loads(out.output)[0]["id"])


def test_check_uses_the_catalog_canon_when_initialised(data_dir: Path) -> None:
    out = _run(data_dir, "check", "--ip", "river-oath", "--text", "赵明在教堂婚礼上宣誓。", "--no-models", "--json")
    assert json.loads(out)["ip"] == "river-oath"  # a fixture IP that only the database knows
    with pytest.raises(CanonCardNotFound):
        _run(data_dir, "check", "--ip", "water-margin", "--text", "宋江", "--no-models")  # demo card, not catalogued


def test_submit_claim_decide_appeal_audit_stats(data_dir: Path) -> None:
    work = _work_id(data_dir)
    item = json.loads(_run(data_dir, "submit", work, "--no-models", "--as", "mei", "--json"))
    assert (item["decision"], item["state"], item["automated_decision"]) == ("review", "queued", "review")
    assert item["id"] in _run(data_dir, "queue")
    claimed = json.loads(_run(data_dir, "claim", "--as", "rita", "--json"))
    assert claimed["id"] == item["id"] and claimed["state"] == "claimed"
    assert "nothing to claim" in _run(data_dir, "claim", "--as", "ria")
    _run(data_dir, "decide", item["id"], "--decision", "reject", "--clause", "nrta-3", "--as", "rita")
    _run(data_dir, "appeal", item["id"], "--reason", "It is a dream, as the synopsis says.", "--as", "mei")
    assert "nothing to claim" in _run(data_dir, "claim", "--as", "rita")
    assert json.loads(_run(data_dir, "claim", "--as", "ria", "--json"))["round"] == 2
    shown = json.loads(_run(data_dir, "decide", item["id"], "--decision", "pass", "--as", "ria", "--json"))
    assert shown["decision"] == "pass"
    audit = json.loads(_run(data_dir, "audit", "--item", item["id"], "--format", "json"))
    assert [a["action"] for a in audit][::-1][:3] == ["automated-decision", "queued", "claimed"]
    assert _run(data_dir, "audit", "--format", "csv").startswith("at,actor,automated,action")
    stats = json.loads(_run(data_dir, "stats", "--json"))
    assert stats["double_reviewed"] == 1 and stats["appeals_overturned"] == 1
    queued = json.loads(_run(data_dir, "submit", work, "--queue", "--as", "mei", "--json"))
    assert queued["kind"] == "review-work"


def test_shadow_reports_what_a_candidate_version_would_change(data_dir: Path, tmp_path: Path) -> None:
    work = _work_id(data_dir)
    _run(data_dir, "submit", work, "--no-models")
    assert '"changed": 0' in _run(data_dir, "shadow", "--policy", "cn-nrta-ai-alteration", "--no-models", "--json")
    assert "cn-nrta-ai-alteration" in bundled_policies()
    source = Path(__file__).parents[2] / "src/culturebridge/review/policies/cn-nrta-ai-alteration.yaml"
    current = load_policy("cn-nrta-ai-alteration").version
    version = f"{current}.1"  # the next version, whatever the bundled pack's is
    stricter = source.read_text(encoding="utf-8").replace(f'version: "{current}"', f'version: "{version}"').replace(
        "clause: nrta-3\n    review_at: medium\n    reject_at: high", "clause: nrta-3\n    review_at: medium\n    reject_at: medium")
    assert version in stricter and "reject_at: medium" in stricter
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(stricter, encoding="utf-8")
    report = json.loads(_run(data_dir, "shadow", "--policy", str(candidate), "--version", version, "--no-models", "--json"))
    assert (report["candidate_version"], report["total"], report["changed"]) == (version, 1, 1)
    assert report["transitions"] == {"review->reject": 1}
    assert report["changes"][0]["reasons"][0].startswith("nrta-3")
    with pytest.raises(PolicyInvalid):
        _run(data_dir, "shadow", "--policy", str(candidate), "--version", "2027.1", "--no-models")


def test_a_rejected_submission_lists_reasons(data_dir: Path) -> None:
    from culturebridge.platform import open_platform

    platform = open_platform(Settings(data_dir=data_dir))
    with platform.db.write() as conn:
        work = adaptation(conn, get_user_by_name(conn, "mei"), REJECT)
    platform.close()
    out = _run(data_dir, "submit", work.id, "--no-models")
    assert "REJECT" in out and "nrta-1" in out
