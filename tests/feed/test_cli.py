from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli.feed import app
from culturebridge.errors import InvalidFeedRequest

runner = CliRunner()


def test_eval_json_prints_one_object_with_metrics_and_baseline() -> None:
    # The popularity model keeps this fast; EASE on ML-100K is covered in test_evaluate.
    result = runner.invoke(
        app, ["eval", "--dataset", "ml-100k", "--protocol", "msr", "--model", "pop", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for name in (
        "ndcg@10",
        "precision@10",
        "recall@10",
        "coverage",
        "diversity",
        "novelty",
        "calibration_kl",
        "breakout_exposure",
        "breakout_conversion",
    ):
        assert name in out and name in out["baseline"]
    assert out["baseline"]["model"] == "pop"
    # Same model on the same split: the run and its baseline must agree exactly.
    assert out["ndcg@10"] == out["baseline"]["ndcg@10"] > 0.2


def test_eval_text_output_with_exploration() -> None:
    result = runner.invoke(
        app, ["eval", "--model", "pop", "--explore", "0.1", "--protocol", "time"]
    )
    assert result.exit_code == 0, result.output
    assert "breakout_exposure" in result.output and "popularity baseline" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "--model", "lightgcn"],
        ["eval", "--dataset", "ml-1m"],
        ["eval", "--explore", "2"],
        ["eval", "--protocol", "loo"],
        ["simulate", "--explore", "0"],
    ],
)
def test_bad_options_raise_clear_errors(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert isinstance(result.exception, InvalidFeedRequest)


def test_simulate_json() -> None:
    result = runner.invoke(app, ["simulate", "--viewers", "5", "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"with_exploration", "without_exploration"}
    assert out["with_exploration"]["viewers"] == 25


def test_every_command_and_option_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "feed.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or ""
        assert f"feed {name}" in doc
        result = runner.invoke(app, [name, "--help"])
        for token in result.output.split():
            if token.startswith("--") and token.strip(",") not in ("--help",):
                assert token.strip(",") in doc, f"{token} of `feed {name}` is not in docs/feed.md"


def test_publish_and_refresh_on_a_data_dir(tmp_path: Path) -> None:
    from culturebridge.cli import app as root
    from culturebridge.pipeline import init_platform
    from culturebridge.settings import Settings
    from tests.factories import make_user, make_work

    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "admin-password-1")
    with platform.db.write() as conn:
        work = make_work(conn, make_user(conn, "mei"), title="皮影戏")
    platform.close()
    base = ["--data-dir", str(tmp_path / "data"), "feed"]
    published = runner.invoke(root, [*base, "publish", work.id, "--market", "US/en", "--json"])
    assert published.exit_code == 0, published.output
    assert json.loads(published.output)["market"] == "US/en"
    bad = runner.invoke(root, [*base, "publish", work.id, "--market", "America"])
    assert bad.exit_code != 0
    refreshed = runner.invoke(root, [*base, "refresh", "--json"])
    assert refreshed.exit_code == 0, refreshed.output
    out = json.loads(refreshed.output)
    assert out["markets"] == {"US/en": 1} and out["generation"] >= 1
    with_mei = runner.invoke(root, [*base, "publish", work.id, "--market", "FR/fr", "--as", "mei"])
    assert with_mei.exit_code == 0 and "FR/fr" in with_mei.output
    report = runner.invoke(root, [*base, "report", "--json"])
    assert report.exit_code == 0, report.output
    markets = {m["market"]: m for m in json.loads(report.output)}
    assert set(markets) == {"US/en", "FR/fr"} and markets["US/en"]["publications"] == 1
    assert markets["US/en"]["served"] == 0 and set(markets["US/en"]["reasons"]) >= {"exploration", "personal"}
    text = runner.invoke(root, [*base, "report", "--market", "US/en"])
    assert text.exit_code == 0 and "exploration" in text.output and "break-out" in text.output
    nowhere = runner.invoke(root, [*base, "report", "--market", "nowhere"])
    assert isinstance(nowhere.exception, InvalidFeedRequest)  # `culturebridge` prints it, exit code 2
