"""Run queued jobs: a handler per job kind, progress reported as it goes."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from culturebridge.errors import Error
from culturebridge.jobs.queue import Job, claim_next, finish, report_progress
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


def run_one(db: Database, handlers: Mapping[str, Handler], worker: str | None = None) -> Job | None:
    """Claim and run one job; return it (as claimed), or None when the queue is empty."""
    name = worker or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    job = claim_next(db, name, sorted(handlers))
    if job is None:
        return None
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

    def __init__(self, db: Database, handlers: Mapping[str, Handler], poll_seconds: float = 1.0) -> None:
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
                ran = run_one(self._db, self._handlers)
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("worker loop error")
                ran = None
            if ran is None:
                self._stop.wait(self._poll)
