"""Localization experiments: deterministic assignment, mSPRT that stays valid under daily checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.errors import InvalidExperiment
from culturebridge.insight import AudienceEvent, analyze, assign, create, ingest
from culturebridge.insight.experiments import msprt, variant_for
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_work
from tests.insight.conftest import T0, FixedAnalyzer


def test_assignment_is_deterministic_and_balanced() -> None:
    arms = [assign("exp-1", f"viewer{i}") for i in range(4000)]
    assert arms == [assign("exp-1", f"viewer{i}") for i in range(4000)]
    assert 0.47 < arms.count("A") / len(arms) < 0.53
    assert arms != [assign("exp-2", f"viewer{i}") for i in range(4000)]  # independent across experiments


def test_daily_checks_keep_false_positives_below_alpha() -> None:
    """A/A tests checked every day for 30 days: the always-valid test stops in at most ~alpha of them."""
    rng = np.random.default_rng(11)
    stopped = 0
    runs = 300
    for _ in range(runs):
        a = b = na = nb = 0
        for _day in range(30):
            a += rng.binomial(40, 0.3)
            b += rng.binomial(40, 0.3)
            na += 40
            nb += 40
            p, _ = msprt(a / na, na, b / nb, nb, tau=0.1, alpha=0.05)
            if p <= 0.05:
                stopped += 1
                break
    assert stopped / runs <= 0.06
    # ...and it does find a real difference of 10 points.
    p, interval = msprt(0.30, 1200, 0.40, 1200, tau=0.1, alpha=0.05)
    assert p < 0.05 and interval is not None and 0 < interval[0] < 0.10 < interval[1]


def test_experiment_counts_viewers_by_variant_and_stops(tmp_path: Path) -> None:
    platform: Platform
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "password-for-tests")
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        work, lit, gloss = (make_work(conn, admin, title=t).id for t in ("三国", "Three Kingdoms", "Sanguo (Three Kingdoms)"))
        with pytest.raises(InvalidExperiment):
            create(conn, work, "US/en", lit, lit)
        exp = create(conn, work, "US/en", lit, gloss)
        with pytest.raises(InvalidExperiment, match="already runs"):
            create(conn, work, "US/en", lit, gloss)
    shown = {variant_for(platform, f"v{i}", "US/en", work) for i in range(50)}
    assert shown == {lit, gloss} and variant_for(platform, "v1", "FR/fr", work) is None
    rng = np.random.default_rng(3)
    batch = []
    for i in range(1500):
        viewer = f"v{i}"
        done = rng.random() < (0.55 if assign(exp.id, viewer) == "B" else 0.35)
        batch.append(AudienceEvent(f"evt-exp-{i:05d}", viewer, work, "US/en", "view", T0 + timedelta(minutes=i),
                                   1.0 if done else 0.3))
    with platform.db.write() as conn:
        ingest(conn, batch, FixedAnalyzer())
        result = analyze(conn, exp.id)
    assert result.a.viewers + result.b.viewers == 1500
    assert result.decision == "B better" and result.experiment.status == "stopped"
    assert result.interval is not None and result.interval[0] > 0
    platform.close()


def test_a_stale_list_of_running_experiments_is_read_again_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past RUNNING_TTL the feed hook answers from the list in hand and a thread reads the new
    one: a feed answer served on the event loop never waits on the database here."""
    import threading

    from culturebridge.insight import experiments

    platform: Platform
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "password-for-tests")
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        work, lit, gloss = (make_work(conn, admin, title=t).id for t in ("三国", "Three Kingdoms", "Sanguo"))
    assert variant_for(platform, "v1", "US/en", work) is None  # first use: the (empty) list is read now
    with platform.db.write() as conn:
        create(conn, work, "US/en", lit, gloss)
    monkeypatch.setattr(experiments, "RUNNING_TTL", 0.0)
    release = threading.Event()
    read = experiments._read_running

    def slow_read(*args: object) -> object:
        release.wait(30)
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(experiments, "_read_running", slow_read)
    assert variant_for(platform, "v1", "US/en", work) is None  # answered from the stale list, not waiting
    readers = [t for t in threading.enumerate() if t.name == "experiments-read"]
    assert len(readers) == 1
    assert variant_for(platform, "v2", "US/en", work) is None  # one reader at a time
    assert [t for t in threading.enumerate() if t.name == "experiments-read"] == readers
    release.set()
    readers[0].join(30)
    assert variant_for(platform, "v1", "US/en", work) in {lit, gloss}
    platform.close()
