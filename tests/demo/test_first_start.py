"""The demo as a newcomer finds it once the workers have run: every stage has something real."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge import localize
from culturebridge import pipeline as automation
from culturebridge.accounts import get_user_by_name
from culturebridge.demo import load_pack
from culturebridge.demo.distinct import planted_copies, related
from culturebridge.demo.load import DEMO_RULES, load_demo
from culturebridge.fingerprint import list_conflicts
from culturebridge.jobs import run_one
from culturebridge.localize import list_localizations, segments_of
from culturebridge.pipeline import init_platform, job_handlers
from culturebridge.review import desk
from culturebridge.settings import Settings

pytestmark = pytest.mark.slow


def test_first_start_fills_every_stage_with_true_work(tmp_path: Path) -> None:
    pack = load_pack()
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "culturebridge-demo")
    load_demo(platform, pack, progress=lambda _: None)
    handlers = job_handlers(platform)
    while run_one(platform.db, handlers) is not None:
        pass
    copies = planted_copies(pack)
    with platform.db.read() as conn:
        admin = get_user_by_name(conn, "admin")
        assert len(automation.list_rules(conn, enabled_only=True)) == len(DEMO_RULES)
        # The copies queue holds the planted copies and nothing between unrelated works.
        conflicts = list_conflicts(conn, viewer=admin)
        pairs = {(c.work_id, c.matched_work_id) for c in conflicts if not related(pack, c.work_id, c.matched_work_id)}
        planted_pairs = {(w.id, copies[s.name]) for w in pack.works for s in w.media if s.name in copies}
        assert pairs and pairs <= planted_pairs | {(b, a) for a, b in planted_pairs}, pairs
        # The review desk holds the works a reviewer should flag, with their findings.
        waiting = {i.work_id: i for i in desk.list_items(conn, states=("queued",))}
        flagged = {w.id for w in pack.works if w.expect_review == "flag"}
        decided = {i.work_id: i for i in desk.list_items(conn)}
        assert flagged <= set(decided), flagged - set(decided)
        assert any(wid in waiting for wid in flagged)
        assert all(decided[w].findings for w in flagged)
        # A localization shows segments translated from the human translations in the memory.
        episodes = [w for w in pack.works if w.kind == "micro-drama-episode" and w.derived_from is None]
        locs = [loc for w in episodes for loc in list_localizations(conn, w.id)]
        assert {loc.target_lang for loc in locs} == {"en", "th"}
        english = [s for loc in locs if loc.target_lang == "en" for s in segments_of(conn, loc.id)]
        assert any(s.target for s in english), "no segment came from the translation memory"
        runs = [r for w in pack.works for r in automation.runs_of(conn, w.id)]
        assert any(r.action == "register" and r.outcome == "done" for r in runs)
        assert any(r.action == "review" and r.outcome == "done" for r in runs)
        assert localize.flagged_localizations(conn, admin) is not None
    platform.close()
