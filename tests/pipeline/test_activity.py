"""Who did what: one timeline over every stage's own records, scoped and paged by time."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from culturebridge import catalog
from culturebridge.accounts import get_user_by_name
from culturebridge.accounts.activity import ActivityQuery
from culturebridge.catalog._tables import works
from culturebridge.errors import InvalidInput
from culturebridge.ids import now
from culturebridge.pipeline import timeline
from culturebridge.platform import Platform
from culturebridge.review import Models
from culturebridge.review.work_review import review_work
from culturebridge.rights import register_work
from tests.factories import make_work, png_bytes
from tests.review.desk_helpers import REVIEW, adaptation, add_demo_ip
from tests.web.conftest import platform  # noqa: F401  (an initialised platform with mei, bo and rita)


def test_timeline_merges_stages_newest_first_and_narrows_by_actor(platform: Platform) -> None:
    with platform.db.write() as conn:
        admin, mei, bo = (get_user_by_name(conn, n) for n in ("admin", "mei", "bo"))
        add_demo_ip(conn, admin)
        meis = make_work(conn, mei, "剪纸")
        catalog.add_asset(conn, platform.media, mei, meis.id, io.BytesIO(png_bytes(seed=1)), "1.png", platform.limits)
        bos = make_work(conn, bo, "京剧")
        flagged = adaptation(conn, mei, REVIEW, ai=True)
        review_work(conn, platform.media, flagged.id, actor=admin, models=Models.none())
    register_work(platform, mei, meis.id)

    with platform.db.read() as conn:
        everything = timeline(conn, ActivityQuery(limit=100)).items
        meis_own = timeline(conn, ActivityQuery(actor_id=mei.id, limit=100)).items
        only_rights = timeline(conn, ActivityQuery(limit=100), ["rights"]).items

    assert [a.at for a in everything] == sorted((a.at for a in everything), reverse=True)
    assert {a.stage for a in everything} >= {"catalog", "rights", "review"}
    assert ("catalog", "work-created", bo.id, bos.id) in {(a.stage, a.action, a.actor_id, a.work_id) for a in everything}
    assert everything[0].stage == "rights" and everything[0].work_id == meis.id  # the newest action
    assert {a.actor_id for a in meis_own} == {mei.id}
    assert {(a.stage, a.work_id) for a in meis_own} >= {("catalog", meis.id), ("catalog", flagged.id), ("rights", meis.id)}
    assert [(a.stage, a.action, a.work_id) for a in only_rights] == [("rights", "registered", meis.id)]
    automated = [a for a in everything if a.stage == "review" and a.work_id == flagged.id]
    assert {a.action for a in automated} >= {"automated-decision"} and {a.actor_id for a in automated} == {None}


def test_pages_never_split_an_instant_and_reach_the_end(platform: Platform) -> None:
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        made = [make_work(conn, mei, f"作品{i}") for i in range(7)]
        tied = [w.id for w in made[2:5]]  # three works created at one instant, straddling the first page's end
        conn.execute(works.update().where(works.c.id.in_(tied)).values(created_at=made[4].created_at))
    seen: list[str] = []
    pages: list[list[str]] = []
    before = None
    with platform.db.read() as conn:
        for _ in range(10):
            page = timeline(conn, ActivityQuery(actor_id=mei.id, before=before, limit=3))
            pages.append([a.work_id or "" for a in page.items])
            seen += pages[-1]
            if page.next_before is None:
                break
            assert all(a.at >= page.next_before for a in page.items)
            before = page.next_before
    assert sorted(seen) == sorted(w.id for w in made)  # each once, none lost between pages
    assert set(tied) <= set(pages[0]) and len(pages[0]) == 5  # the page grew to hold the whole instant
    assert page.next_before is None


def test_bad_queries_are_named(platform: Platform) -> None:
    with platform.db.read() as conn:
        with pytest.raises(InvalidInput, match="unknown stage 'payroll'"):
            timeline(conn, ActivityQuery(), ["payroll"])
        with pytest.raises(InvalidInput, match="limit 0"):
            timeline(conn, ActivityQuery(limit=0))
        assert timeline(conn, ActivityQuery(before=now() - timedelta(days=365 * 50))).items == []
