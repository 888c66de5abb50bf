from __future__ import annotations

import threading
from typing import Any

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.jobs import Progress, claim_next, enqueue, get_job, run_one
from culturebridge.pipeline import set_status, statuses
from culturebridge.storage import Database
from tests.factories import make_user, make_work


def test_jobs_run_oldest_first_with_progress_and_failures(database: Database) -> None:
    seen: list[str] = []

    def count(params: dict[str, Any], progress: Progress) -> str:
        for i in range(params["n"]):
            progress(i + 1, params["n"], f"item {i + 1}")
        seen.append("count")
        return f"counted {params['n']}"

    def broken(params: dict[str, Any], progress: Progress) -> str:
        raise InvalidInput("the parameters make no sense")

    with database.write() as conn:
        first = enqueue(conn, "count", {"n": 3})
        second = enqueue(conn, "broken", {})
        enqueue(conn, "unknown-kind", {})
    handlers = {"count": count, "broken": broken}
    assert run_one(database, handlers, "w1") is not None
    assert run_one(database, handlers, "w1") is not None
    assert run_one(database, handlers, "w1") is None  # the unknown kind waits for a worker that knows it
    with database.read() as conn:
        done, failed = get_job(conn, first.id), get_job(conn, second.id)
    assert (done.state, done.done, done.total, done.message) == ("done", 3, 3, "counted 3")
    assert done.fraction == 1.0 and done.claimed_by == "w1"
    assert failed.state == "failed" and failed.error == "the parameters make no sense"


def test_concurrent_workers_never_claim_the_same_job(database: Database) -> None:
    with database.write() as conn:
        for i in range(20):
            enqueue(conn, "k", {"i": i})
    claimed: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while (job := claim_next(database, name, ["k"])) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 20 and len(set(claimed)) == 20


def test_stage_status_per_work(database: Database) -> None:
    with database.write() as conn:
        work = make_work(conn, make_user(conn, "maker"))
        set_status(conn, work.id, "rights", "done", "log index 4")
        set_status(conn, work.id, "rights", "failed", "retry")
        with pytest.raises(InvalidInput):
            set_status(conn, work.id, "teleport", "done")
    with database.read() as conn:
        state = {s.stage: (s.state, s.detail) for s in statuses(conn, work.id)}
    assert state["rights"] == ("failed", "retry") and state["labels"] == ("pending", None)
