"""The home page's insight headline: last week against the week before, scoped to the caller."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from culturebridge.accounts import create_user
from culturebridge.insight import headline, ingest
from culturebridge.insight.comments import CommentAnalyzer
from culturebridge.storage import Database
from tests.factories import make_work
from tests.insight.conftest import T0, audience


def test_headline_compares_weeks_and_scopes_to_the_owner(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    with database.write() as conn:
        mei = create_user(conn, "mei", "password-for-tests", "creator")
        bo = create_user(conn, "bo", "password-for-tests", "creator")
        meis, bos = make_work(conn, mei).id, make_work(conn, bo).id
    today = (T0 + timedelta(days=9)).date()
    this_week = audience(meis, "TH/th", 40, 0.5, seed=2) + audience(bos, "US/en", 30, 1.0, seed=3)
    moved = [replace(e, at=e.at + timedelta(days=7)) for e in this_week]  # T0+7..T0+9: inside the last 7 days
    earlier = audience(meis, "TH/th", 10, 0.5, seed=4, prefix="old")  # T0..T0+2: the week before
    with database.write() as conn:
        ingest(conn, moved + earlier, fixed_analyzer)

    with database.read() as conn:
        everyone = headline(conn, today=today)
        mine = headline(conn, today=today, owner_id=mei.id)
        nobody = headline(conn, today=today + timedelta(days=60))

    assert (everyone.views, everyone.previous_views) == (70, 10)
    assert everyone.change == 6.0
    assert everyone.top_markets == (("TH/th", 40), ("US/en", 30))
    assert everyone.completed >= 30  # every US viewer finished
    assert everyone.completion is not None and 0.4 < everyone.completion <= 1.0
    assert (mine.views, mine.previous_views, mine.top_markets) == (40, 10, (("TH/th", 40),))
    assert mine.likes == sum(1 for e in moved if e.work_id == meis and e.type == "like")
    assert nobody.empty and nobody.completion is None and nobody.change is None
