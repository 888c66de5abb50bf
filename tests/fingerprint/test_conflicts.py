"""Recording a conflict is idempotent on the (asset, matched asset) pair, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from culturebridge.accounts.users import create_user, get_user_by_name
from culturebridge.catalog import Asset
from culturebridge.catalog._tables import assets
from culturebridge.fingerprint import Match, list_conflicts, shared_library
from culturebridge.fingerprint._tables import fingerprint_conflicts
from culturebridge.fingerprint.conflicts import record_conflict
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_work

PASSWORD = "password-for-tests"


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, Asset, Asset]]:
    """Two assets of two owners' works, inserted as rows (no media needed to record a conflict)."""
    from culturebridge.ids import new_id, now

    platform, _ = init_platform(Settings(data_dir=tmp_path / "data", database_url=database_url), "admin", PASSWORD)
    found: list[str] = []
    with platform.db.write() as conn:
        for name in ("mei", "bo"):
            create_user(conn, name, PASSWORD, "creator")
            work = make_work(conn, get_user_by_name(conn, name), f"{name}的作品", kind="image")
            asset_id = new_id("a")
            conn.execute(assets.insert().values(
                id=asset_id, work_id=work.id, original_name=f"{name}.png", media_type="image/png",
                size=1, sha256=f"{len(found):064x}", storage_key=f"{len(found):064x}", created_at=now()))
            found.append(asset_id)
    from culturebridge.catalog import get_asset

    with platform.db.read() as conn:
        a, b = (get_asset(conn, x) for x in found)
    yield platform, a, b
    shared_library._loaded.clear()
    platform.close()


def _count(platform: Platform) -> int:
    with platform.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(fingerprint_conflicts)).scalar_one())


def test_the_same_pair_is_recorded_once_and_keeps_its_decision(pair: tuple[Platform, Asset, Asset]) -> None:
    platform, copy, original = pair
    with platform.db.write() as conn:
        record_conflict(conn, copy, Match(original.work_id, original.id, "image", 0.9), licensed=False)
    with platform.db.write() as conn:
        (first,) = list_conflicts(conn)
        conn.execute(fingerprint_conflicts.update().values(state="infringing", decided_by="someone"))
        record_conflict(conn, copy, Match(original.work_id, original.id, "image", 0.7), licensed=True)
    with platform.db.read() as conn:
        (again,) = list_conflicts(conn)
    assert again.id == first.id and again.score == pytest.approx(0.7)  # evidence refreshed
    assert (again.state, again.decided_by) == ("infringing", "someone")  # the decision kept
    assert _count(platform) == 1


def test_two_runs_of_one_job_at_once_record_the_pair_once(pair: tuple[Platform, Asset, Asset]) -> None:
    """A stalled worker's job claimed again: both runs write the same pair in overlapping
    transactions. On PostgreSQL the second insert waits for the first's commit, then updates;
    on SQLite the write lock orders them. Neither fails, and there is one row."""
    platform, copy, original = pair
    first_wrote = threading.Event()
    errors: list[Exception] = []
    release = threading.Event()

    def first() -> None:
        try:
            with platform.db.write() as conn:
                record_conflict(conn, copy, Match(original.work_id, original.id, "image", 0.9), licensed=False)
                first_wrote.set()
                release.wait(10)
        except SQLAlchemyError as exc:  # recorded for the assertion below
            errors.append(exc)

    def second() -> None:
        first_wrote.wait(10)
        try:
            with platform.db.write() as conn:
                record_conflict(conn, copy, Match(original.work_id, original.id, "image", 0.8), licensed=False)
        except SQLAlchemyError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_wrote.wait(10)
    threading.Timer(0.5, release.set).start()  # the second is blocked on the pair meanwhile
    for t in threads:
        t.join(30)
    assert errors == []
    assert _count(platform) == 1
