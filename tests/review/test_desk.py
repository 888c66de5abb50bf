"""The review desk in the database, on SQLite and PostgreSQL: queue, claims, appeals, audit."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from culturebridge.accounts import User
from culturebridge.errors import AppealNotAllowed, InvalidInput, PermissionDenied, ReviewItemTaken
from culturebridge.pipeline import statuses
from culturebridge.review import desk
from culturebridge.review.audit import list_audit
from culturebridge.review.policy import load_policy
from culturebridge.review.stats import desk_stats
from culturebridge.storage import Database, LocalMediaStore
from tests.factories import make_user
from tests.review.desk_helpers import PASS, REJECT, REVIEW, add_demo_ip, reviewed

CLAUSES = load_policy("cn-nrta-ai-alteration").clauses


def _people(db: Database) -> dict[str, User]:
    with db.write() as conn:
        people = {"admin": make_user(conn, "boss", "admin"), "mei": make_user(conn, "mei"),
                  "rita": make_user(conn, "rita", "reviewer"), "ria": make_user(conn, "ria", "reviewer")}
        add_demo_ip(conn, people["admin"])
    return people


def test_automated_decisions_close_or_queue_the_item(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        passed = reviewed(conn, media, people["mei"], PASS, ai=True)
        queued = reviewed(conn, media, people["mei"], REVIEW)
        rejected = reviewed(conn, media, people["mei"], REJECT)
    assert (passed.decision, passed.state, passed.fixes) == ("pass", "decided", ["apply-ai-label"])
    assert (queued.decision, queued.state) == ("review", "queued")
    assert (rejected.decision, rejected.state) == ("reject", "decided")
    assert {r["clause"] for r in rejected.reasons} == {"nrta-1"}
    assert all(f["lang"] == "zh" and f["evidence"]["quote"] for f in rejected.findings)
    with database.read() as conn:
        status = {s.stage: s for s in statuses(conn, rejected.work_id)}["review"]
        assert status.state == "done" and status.detail and status.detail.startswith("reject")
        assert {s.stage: s for s in statuses(conn, queued.work_id)}["review"].state == "running"
        assert [i.id for i in desk.list_items(conn, states=("queued",))] == [queued.id]
        entries = list_audit(conn, item_id=rejected.id)
    assert [(e.action, e.automated, e.policy_version) for e in entries] == [("automated-decision", True, load_policy("cn-nrta-ai-alteration").version)]


def test_claims_are_oldest_first_and_never_shared(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        first = reviewed(conn, media, people["mei"], REVIEW)
        second = reviewed(conn, media, people["mei"], REVIEW + "唐僧骑着摩托车。")
    with database.write() as conn:
        got_rita = desk.claim_next(conn, people["rita"])
        assert got_rita is not None and got_rita.id == first.id
        assert desk.claim_next(conn, people["rita"]) == got_rita  # holds one: gets it again, not another
    with database.write() as conn:
        got_ria = desk.claim_next(conn, people["ria"])
        assert got_ria is not None and got_ria.id == second.id
        with pytest.raises(ReviewItemTaken):
            desk.claim(conn, people["ria"], first.id)
        with pytest.raises(ReviewItemTaken):
            desk.decide_item(conn, people["ria"], first.id, "pass", None, "", CLAUSES)
    with database.write() as conn:
        assert desk.claim_next(conn, people["admin"]) is None
        with pytest.raises(PermissionDenied):
            desk.claim_next(conn, people["mei"])


def test_concurrent_claims_never_hand_one_item_to_two_reviewers(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        for _ in range(2):
            reviewed(conn, media, people["mei"], REVIEW)
        reviewers = [make_user(conn, f"rev{i}", "reviewer") for i in range(4)]
    got: list[str | None] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(reviewers))

    def work(reviewer: User) -> None:
        barrier.wait()
        try:
            with database.write() as conn:
                item = desk.claim_next(conn, reviewer, lock=not database.is_sqlite)
            got.append(item.id if item else None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    claimed = [g for g in got if g]
    assert len(claimed) == len(set(claimed)) == 2
    assert got.count(None) == 2


def test_an_appeal_goes_to_a_different_reviewer(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        item = reviewed(conn, media, people["mei"], REVIEW)
        desk.claim_next(conn, people["rita"])
        with pytest.raises(InvalidInput):
            desk.decide_item(conn, people["rita"], item.id, "reject", None, "", CLAUSES)  # no clause
        with pytest.raises(InvalidInput):
            desk.decide_item(conn, people["rita"], item.id, "reject", "no-such-clause", "", CLAUSES)
        decided = desk.decide_item(conn, people["rita"], item.id, "reject", "nrta-3", "guns in Tang Chang'an", CLAUSES)
    assert (decided.state, decided.decision) == ("decided", "reject")
    with database.write() as conn:
        with pytest.raises(PermissionDenied):
            desk.appeal(conn, people["ria"], item.id, "not my work but I object")
        with pytest.raises(InvalidInput):
            desk.appeal(conn, people["mei"], item.id, "no")
        desk.appeal(conn, people["mei"], item.id, "The pistol is a dream sequence, declared as such.")
        with pytest.raises(AppealNotAllowed):
            desk.appeal(conn, people["mei"], item.id, "And once more, please reconsider.")
    with database.write() as conn:
        assert desk.claim_next(conn, people["rita"]) is None  # the first decider never gets the appeal
        with pytest.raises(PermissionDenied):
            desk.claim(conn, people["rita"], item.id)
        taken = desk.claim_next(conn, people["ria"])
        assert taken is not None and (taken.id, taken.round) == (item.id, 2)
        final = desk.decide_item(conn, people["ria"], item.id, "pass", None, "declared dream", CLAUSES)
    assert (final.state, final.decision) == ("decided", "pass")
    with database.read() as conn:
        decisions = desk.decisions_of(conn, item.id)
        stats = desk_stats(conn)
        actions = [e.action for e in reversed(list_audit(conn, item_id=item.id))]
    assert [(d.round, d.automated, d.decision) for d in decisions] == [(0, True, "review"), (1, False, "reject"), (2, False, "pass")]
    assert [d.reviewer_id for d in decisions[1:]] == [people["rita"].id, people["ria"].id]
    assert actions == ["automated-decision", "queued", "claimed", "human-decision", "appealed", "claimed", "human-decision"]
    assert stats["appeals"] == 1 and stats["appeals_overturned"] == 1
    assert stats["double_reviewed"] == 1 and stats["kappa"] is not None


def test_release_puts_the_item_back(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        item = reviewed(conn, media, people["mei"], REVIEW)
        desk.claim_next(conn, people["rita"])
        with pytest.raises(ReviewItemTaken):
            desk.release(conn, people["ria"], item.id)
        back = desk.release(conn, people["rita"], item.id)
        assert (back.state, back.round) == ("queued", 0)
        again = desk.claim_next(conn, people["ria"])
        assert again is not None and again.id == item.id


def test_the_audit_log_is_append_only_in_the_database(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        reviewed(conn, media, people["mei"], REJECT)
    for statement in ("UPDATE review_audit SET action = 'forged'", "DELETE FROM review_audit"):
        with pytest.raises(DBAPIError, match="append-only"), database.write() as conn:
            conn.execute(text(statement))
    with database.read() as conn:
        assert [e.action for e in list_audit(conn)] == ["automated-decision"]


def test_an_automated_reject_can_be_appealed_to_any_reviewer(database: Database, tmp_path: Path) -> None:
    people, media = _people(database), LocalMediaStore(tmp_path / "media")
    with database.write() as conn:
        item = reviewed(conn, media, people["mei"], REJECT)
        with pytest.raises(ReviewItemTaken):
            desk.claim(conn, people["rita"], item.id)  # decided automatically: nothing to claim
        appeal = desk.appeal(conn, people["mei"], item.id, "Tripitaka's order is a demon's illusion.")
        assert appeal.excluded_reviewer_id is None and appeal.appealed_decision == "reject"
        taken = desk.claim_next(conn, people["rita"])
        assert taken is not None and (taken.id, taken.state) == (item.id, "claimed")
        released = desk.release(conn, people["rita"], item.id)
        assert released.state == "appealed"  # back to the appeal queue, not the first-review queue
