"""The live feed over the catalog: cold start, refresh and swap, exploration learning that survives restarts."""

from __future__ import annotations

import time

import numpy as np
import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.feed import live as live_module
from culturebridge.feed.catalog_model import BuildConfig
from culturebridge.feed.content import UsemEncoder
from culturebridge.feed.explore import ExploreConfig
from culturebridge.feed.live import LiveFeed, RateLimiter
from culturebridge.feed.publish import publish_work
from culturebridge.feed.serving import ServeConfig
from culturebridge.feed.store import Event, load_arms, served_outcomes
from culturebridge.platform import Platform
from tests.factories import make_work
from tests.web.conftest import platform  # noqa: F401  (fixture)


def _publish(platform: Platform, titles: list[str], kind: str = "story") -> list[str]:
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        ids = [make_work(conn, mei, title=t, kind=kind).id for t in titles]
    for work_id in ids:
        publish_work(platform, mei, work_id, "US/en")
    return ids


def test_new_work_is_served_before_any_event_and_swaps_in(platform: Platform, text_encoder: UsemEncoder) -> None:
    first = _publish(platform, ["白蛇传", "梁祝"])
    live = LiveFeed(platform, encoder=text_encoder, poll_seconds=0.0)
    assert {s.card.work_id for s in live.feed("v-a", "US/en", 10)} == set(first)
    old = live._holders["US/en"].model
    report = live.refresh()
    assert report.markets == {"US/en": 2} and report.collaborative == ()
    assert live._holders["US/en"].model is not old  # swapped, not mutated
    new = _publish(platform, ["皮影戏"], kind="heritage")
    live.refresh()
    served = {s.card.work_id for s in live.feed("v-b", "US/en", 10)}
    assert new[0] in served  # no events yet: content candidates and fresh exploration serve it


def test_exploration_learning_is_stored_and_reloaded(platform: Platform, text_encoder: UsemEncoder) -> None:
    ids = _publish(platform, ["茶艺", "昆曲", "剪纸", "书法"])
    always = BuildConfig(serve=ServeConfig(explore=ExploreConfig(share=1.0, cap_warmup=10_000)))
    live = LiveFeed(platform, encoder=text_encoder, config=always)
    slots = live.feed("v-x", "US/en", 2)
    explored = [s.card.work_id for s in slots if s.reason == "exploration"]
    assert explored
    live.record(Event("evt-explore-01", "v-x", explored[0], "US/en", "like"))
    with platform.db.read() as conn:
        assert load_arms(conn, "US/en", ids) == {explored[0]: (1.0, 1.0)}
    restarted = LiveFeed(platform, encoder=text_encoder, config=always)
    restarted.feed("v-y", "US/en", 1)
    model = restarted._holders["US/en"].model
    i = model.item_ids.index(explored[0])
    assert model.explorer.item_wins[i, 0] == 1.0 and model.explorer.item_trials[i, 0] == 1.0
    assert model.explorer.posterior_mean("US/en")[i] > np.median(model.explorer.posterior_mean("US/en"))


def test_collaborative_filtering_joins_with_enough_events(platform: Platform, text_encoder: UsemEncoder) -> None:
    ids = _publish(platform, [f"故事 {i}" for i in range(12)])
    live = LiveFeed(platform, encoder=text_encoder, config=BuildConfig(min_cf_events=30, min_cf_viewers=5, factors=8))
    live.feed("v-0", "US/en", 5)
    rng = np.random.default_rng(0)
    for v in range(10):
        for j, w in enumerate(rng.choice(ids[: 6 if v % 2 else 12], 4, replace=False)):
            live.record(Event(f"evt-{v:03d}-{j:04d}", f"v-{v}", str(w), "US/en", "like"))
    report = live.refresh()
    assert report.collaborative == ("US/en",)
    slots = live.feed("v-1", "US/en", 5)
    assert slots and all(s.card.work_id in ids for s in slots)


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(rate=2.0, burst=2.0)
    assert [limiter.allow("c", at=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("c", at=0.6) and not limiter.allow("c", at=0.6)
    assert limiter.allow("other", at=0.6)


def test_recent_engagements_are_kept_for_a_bounded_number_of_viewers(
    platform: Platform, text_encoder: UsemEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "RECENT_VIEWERS", 3)
    ids = _publish(platform, ["茶艺", "昆曲"])
    live = LiveFeed(platform, encoder=text_encoder)
    live.feed("v-0", "US/en", 1)
    for i in range(6):
        assert live.record(Event(f"evt-bound-{i}", f"v-{i}", ids[i % 2], "US/en", "like"))
    assert list(live._recent) == [(f"v-{i}", "US/en") for i in (3, 4, 5)]  # the oldest viewers went


def test_every_slot_is_logged_and_an_outcome_after_a_restart_is_credited(
    platform: Platform, text_encoder: UsemEncoder
) -> None:
    ids = _publish(platform, ["茶艺", "昆曲", "剪纸", "书法"])
    always = BuildConfig(serve=ServeConfig(explore=ExploreConfig(share=1.0, cap_warmup=10_000)))
    live = LiveFeed(platform, encoder=text_encoder, config=always)
    slots = live.feed("v-r", "US/en", 3)
    explored = [s.card.work_id for s in slots if s.reason == "exploration"]
    assert explored
    live.flush_served()  # what the app does when it shuts down
    restarted = LiveFeed(platform, encoder=text_encoder, config=always)
    assert restarted.record(Event("evt-after-restart", "v-r", explored[0], "US/en", "like"))
    # A second deciding event for the same slot settles nothing more.
    assert restarted.record(Event("evt-after-restart-2", "v-r", explored[0], "US/en", "share"))
    with platform.db.read() as conn:
        assert load_arms(conn, "US/en", ids) == {explored[0]: (1.0, 1.0)}
        outcomes = served_outcomes(conn, "US/en")
    assert sum(total for total, _ in outcomes.values()) == len(slots)
    assert outcomes["exploration"] == (len(explored), 1)


def test_an_event_for_a_work_never_served_to_the_viewer_teaches_nothing(
    platform: Platform, text_encoder: UsemEncoder
) -> None:
    ids = _publish(platform, ["茶艺", "昆曲"])
    live = LiveFeed(platform, encoder=text_encoder)
    assert live.record(Event("evt-unserved-1", "v-z", ids[0], "US/en", "like"))
    with platform.db.read() as conn:
        assert load_arms(conn, "US/en", ids) == {}


def test_the_writer_thread_stores_served_slots_without_being_asked(
    platform: Platform, text_encoder: UsemEncoder
) -> None:
    _publish(platform, ["茶艺", "昆曲"])
    live = LiveFeed(platform, encoder=text_encoder)
    slots = live.feed("v-w", "US/en", 2)
    deadline = time.monotonic() + 30.0
    total = 0
    while time.monotonic() < deadline and total < len(slots):
        time.sleep(0.1)
        with platform.db.read() as conn:
            total = sum(n for n, _ in served_outcomes(conn, "US/en").values())
    assert total == len(slots)


def test_slots_that_fail_to_be_written_stay_queued(
    platform: Platform, text_encoder: UsemEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "SERVED_FLUSH_SECONDS", 3600.0)  # no writer-thread flush here
    _publish(platform, ["茶艺", "昆曲"])
    live = LiveFeed(platform, encoder=text_encoder)
    slots = live.feed("v-q", "US/en", 2)

    def broken(conn: object, rows: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(live_module, "log_served", broken)
        with pytest.raises(OSError):
            live.flush_served()
    live.flush_served()
    with platform.db.read() as conn:
        assert sum(n for n, _ in served_outcomes(conn, "US/en").values()) == len(slots)


def test_an_ai_generated_variant_carries_the_notice_the_published_version_did_not_need(
    platform: Platform, text_encoder: UsemEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A localization experiment may show some viewers an AI-written version of a human work's text."""
    [work] = _publish(platform, ["梁祝"])
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        ai = make_work(conn, mei, title="梁祝 AI", ai_generated=True).id
    monkeypatch.setattr(live_module, "VARIANT_CHOOSERS", [lambda _p, viewer, _m, _w: ai if viewer == "v-b" else None])
    live = LiveFeed(platform, encoder=text_encoder, poll_seconds=0.0)
    [plain] = live.feed("v-a", "US/en", 1)
    [shown] = live.feed("v-b", "US/en", 1)
    assert plain.card.work_id == shown.card.work_id == work
    assert plain.card.label == "" and shown.card.title == "梁祝 AI (en)"
    assert shown.card.label == "Possibly AI-generated"  # declared by its uploader: GB 45438 tier 2
