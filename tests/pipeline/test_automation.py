"""Automation rules: conditions, storage, who may change them, and runs on a real platform."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from culturebridge import catalog
from culturebridge import pipeline as automation
from culturebridge.accounts import create_user, get_user_by_name
from culturebridge.cli import main
from culturebridge.errors import InvalidInput, PermissionDenied, RuleNotFound
from culturebridge.jobs import ingest, list_jobs, run_one
from culturebridge.pipeline import Condition, Facts, init_platform, job_handlers
from culturebridge.platform import Platform
from culturebridge.review.audit import list_audit
from culturebridge.settings import Settings
from tests.factories import png_bytes
from tests.review.desk_helpers import REVIEW, adaptation, add_demo_ip

PASSWORD = "password-for-tests"
CLASSIC_AI = Condition(ai_generated=True, derived=True, protections=("classic",))


def test_conditions_hold_only_when_every_given_part_does() -> None:
    remake = Facts(ai_generated=True, derived=True, protections=frozenset({"classic"}), kind="video")
    assert automation.matches(CLASSIC_AI, remake)
    assert automation.matches(Condition(), remake)
    assert not automation.matches(CLASSIC_AI, Facts(True, True, frozenset({"modern"}), "video"))
    assert not automation.matches(CLASSIC_AI, Facts(False, True, frozenset({"classic"}), "video"))
    assert not automation.matches(Condition(kinds=("story",)), remake)
    assert Condition.from_dict(CLASSIC_AI.to_dict()) == CLASSIC_AI
    for bad, message in (({"colour": "red"}, "unknown condition"), ({"ai_generated": "yes"}, "true, false"),
                         ({"protections": ["ancient"]}, "protection 'ancient'"), ({"kinds": ["poem"]}, "kind 'poem'")):
        with pytest.raises(InvalidInput, match=message):
            Condition.from_dict(bad)


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    with platform.db.write() as conn:
        create_user(conn, "mei", PASSWORD, "creator")
        add_demo_ip(conn, get_user_by_name(conn, "admin"))
    yield platform
    platform.close()


def test_only_admins_change_rules_and_parameters_are_checked(platform: Platform) -> None:
    with platform.db.write() as conn:
        admin, mei = get_user_by_name(conn, "admin"), get_user_by_name(conn, "mei")
        rule = automation.add_rule(conn, admin, "localize new works", Condition(), "localize",
                                   {"locales": ["en", "th"]})
        assert rule.params == {"locales": ["en", "th"], "engine": "human"}
        assert "localize" in rule.describe() and rule.enabled
        with pytest.raises(PermissionDenied, match="only admins"):
            automation.add_rule(conn, mei, "mine", Condition(), "review")
        with pytest.raises(PermissionDenied):
            automation.set_enabled(conn, mei, rule.id, False)
        for action, params, message in (("delete", {}, "action 'delete'"), ("localize", {}, "needs locales"),
                                        ("publish", {"markets": ["America"]}, "needs markets"),
                                        ("review", {"x": 1}, "takes no parameters")):
            with pytest.raises(InvalidInput, match=message):
                automation.add_rule(conn, admin, "bad", Condition(), action, params)
        assert not automation.set_enabled(conn, admin, rule.id, False).enabled
        automation.remove_rule(conn, admin, rule.id)
        with pytest.raises(RuleNotFound):
            automation.get_rule(conn, rule.id)


def _run_all(platform: Platform) -> None:
    handlers = job_handlers(platform)
    while run_one(platform.db, handlers) is not None:
        pass


def test_an_ai_remake_of_a_classic_goes_to_review_on_upload_once(platform: Platform) -> None:
    with platform.db.write() as conn:
        admin, mei = get_user_by_name(conn, "admin"), get_user_by_name(conn, "mei")
        source = adaptation(conn, mei, "师徒四人西行取经。")
        remake = adaptation(conn, mei, REVIEW, ai=True)
        catalog.add_derivation(conn, mei, source.id, remake.id, "ai-adaptation", "demo", True)
        plain = adaptation(conn, mei, "师徒四人来到火焰山。")
        review_rule = automation.add_rule(conn, admin, "AI derivative of a classic → review", CLASSIC_AI, "review")
        automation.add_rule(conn, admin, "machine-translate AI works", Condition(ai_generated=True), "localize",
                            {"locales": ["en"], "engine": "machine"})
    with platform.db.write() as conn:
        for work, seed in ((remake, 1), (remake, 2), (plain, 3)):
            ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes(64, 48, seed=seed)), f"f{seed}.png")
    _run_all(platform)
    with platform.db.read() as conn:
        runs = automation.runs_of(conn, remake.id)
        assert automation.runs_of(conn, plain.id) == []  # not AI, not derived: no rule applies
        kinds = [j.kind for j in list_jobs(conn, 200)]
        submitted = [e for e in list_audit(conn) if e.action == "submitted"]
    reviews = [r for r in runs if r.rule_id == review_rule.id]
    assert [r.outcome for r in reviews] == ["done"]  # two files, one submission
    assert "submitted for review" in reviews[0].detail and "ai_generated=True" in reviews[0].detail
    assert kinds.count("review-work") == 1 and kinds.count("automation-run") >= 3  # labelled copies are files too
    assert len(submitted) == 1 and submitted[0].actor_id == admin.id  # recorded like a manual submission
    refused = [r for r in runs if r.rule_id != review_rule.id]
    assert len(refused) == 1 and refused[0].outcome == "refused"  # retried per file, the same refusal kept once
    assert all("no translation engine is configured" in r.detail for r in refused)


def test_rules_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", PASSWORD)
    platform.close()
    base = ["--data-dir", str(tmp_path / "data")]

    def cli(*args: str) -> tuple[int, str]:
        code = main([*base, *args])
        out = capsys.readouterr()
        return code, out.out + out.err

    code, out = cli("automation", "add", "localize new works", "--action", "localize", "--locale", "en", "--locale", "th")
    assert code == 0, out
    rule_id = out.split()[2].rstrip(":")
    code, out = cli("automation", "list")
    assert "[on]" in out and "locales" in out
    assert cli("automation", "disable", rule_id)[0] == 0
    assert "[off]" in cli("automation", "list")[1]
    code, out = cli("automation", "add", "x", "--action", "explode")
    assert code == 2 and "action 'explode'" in out and len(out.strip().splitlines()) == 1
    assert cli("automation", "remove", rule_id)[0] == 0
    assert cli("automation", "remove", rule_id)[0] == 3
