"""Run queued jobs: a handler per job kind, progress reported as it goes."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from sqlalchemy.exc import SQLAlchemyError

from culturebridge.errors import Error
from culturebridge.jobs.queue import (
    LEASE_SECONDS,
    Job,
    claim_next,
    finish,
    renew_lease,
    report_progress,
)
from culturebridge.storage import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """What a handler calls to say how far it is."""

    db: Database
    job_id: str

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        report_progress(self.db, self.job_id, done, total, message)


Handler = Callable[[dict[str, Any], Progress], str | None]


def run_one(db: Database, handlers: Mapping[str, Handler], worker: str | None = None,
            lease_seconds: float = LEASE_SECONDS) -> Job | None:
    """Claim and run one job; return it (as claimed), or None when the queue is empty."""
    name = worker or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    lease = lease_seconds
    job = claim_next(db, name, sorted(handlers), lease)
    if job is None:
        return None
    with _Heartbeat(db, job.id, name, lease):
        return _run(db, handlers, job)


class _Heartbeat:
    """Renews a job's lease every third of it while the job runs."""

    def __init__(self, db: Database, job_id: str, worker: str, lease: float) -> None:
        self._args = (db, job_id, worker, lease)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="job-lease", daemon=True)

    def _beat(self) -> None:
        db, job_id, worker, lease = self._args
        while not self._stop.wait(lease / 3):
            try:
                if not renew_lease(db, job_id, worker, lease):
                    return
            except SQLAlchemyError:  # the database may be briefly away; the next beat tries again
                log.warning("could not renew the lease of job %s", job_id)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def _run(db: Database, handlers: Mapping[str, Handler], job: Job) -> Job:
    try:
        message = handlers[job.kind](job.params, Progress(db, job.id))
    except Error as exc:
        finish(db, job.id, error=exc.diagnostic())
    except Exception as exc:  # a handler bug must not kill the worker; it is recorded on the job
        log.exception("job %s (%s) crashed", job.id, job.kind)
        finish(db, job.id, error=f"internal error: {type(exc).__name__}: {exc}")
    else:
        finish(db, job.id, message=message)
    return job


class Worker:
    """A background thread that runs jobs until stopped."""

    def __init__(self, db: Database, handlers: Mapping[str, Handler], poll_seconds: float = 1.0,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self._lease = lease_seconds
        self._db = db
        self._handlers = dict(handlers)
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="culturebridge-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_one(self._db, self._handlers, lease_seconds=self._lease)
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("worker loop error")
                ran = None
            if ran is None:
                self._stop.wait(self._poll)
