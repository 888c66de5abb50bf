"""Background jobs: queued in the database, claimed safely, progress visible to everyone.

A job is claimed inside a write transaction. On PostgreSQL the claim uses
`SELECT ... FOR UPDATE SKIP LOCKED`, so several worker processes each take a different
job; on SQLite the write transaction itself (BEGIN IMMEDIATE) makes the claim exclusive.
A claim is a lease the worker renews while it runs the job: when a worker process is killed
or its machine lost, the lease runs out and another worker claims the job again (at most
MAX_ATTEMPTS claims). Handlers are written to be re-run safely (they upsert by key).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Connection, func, or_, select

from culturebridge.catalog import get_work, owned_work_ids
from culturebridge.errors import InvalidInput, JobNotFound, WorkNotFound
from culturebridge.ids import as_utc, new_id, now
from culturebridge.jobs._tables import jobs
from culturebridge.storage import Database

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    state: JobState
    done: int
    total: int | None
    message: str | None
    error: str | None
    created_by: str | None
    claimed_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


def _from_row(row: Any) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        kind=m["kind"],
        params=dict(m["params"]),
        state=cast(JobState, m["state"]),
        done=int(m["done"]),
        total=m["total"],
        message=m["message"],
        error=m["error"],
        created_by=m["created_by"],
        claimed_by=m["claimed_by"],
        created_at=as_utc(m["created_at"]),
        started_at=as_utc(m["started_at"]) if m["started_at"] else None,
        finished_at=as_utc(m["finished_at"]) if m["finished_at"] else None,
    )


def enqueue(conn: Connection, kind: str, params: dict[str, Any], created_by: str | None = None) -> Job:
    """Queue a job of `kind`; a worker with a handler for that kind will run it."""
    if not kind or len(kind) > 64:
        raise InvalidInput("a job kind is 1-64 characters")
    job = Job(
        id=new_id("j"), kind=kind, params=params, state="queued", done=0, total=None, message=None, error=None,
        created_by=created_by, claimed_by=None, created_at=now(), started_at=None, finished_at=None,
    )
    conn.execute(jobs.insert().values(**asdict(job)))
    return job


def enqueue_unless_waiting(conn: Connection, kind: str, params: dict[str, Any], created_by: str | None = None) -> Job | None:
    """Queue a job of `kind` unless one is already waiting (one run covers every request before it)."""
    waiting = conn.execute(select(jobs.c.id).where((jobs.c.kind == kind) & (jobs.c.state == "queued")).limit(1)).first()
    return None if waiting is not None else enqueue(conn, kind, params, created_by)


LEASE_SECONDS = 60.0  # a running job's claim; its worker renews it every third of that
MAX_ATTEMPTS = 3  # claims before a job whose workers keep dying is failed


def claim_next(db: Database, worker: str, kinds: list[str], lease_seconds: float = LEASE_SECONDS) -> Job | None:
    """Take the oldest queued job of one of `kinds` for `worker` — or a running one whose worker
    stopped renewing its lease (killed, or its machine lost) — or None when there is none."""
    at = now()
    with db.write() as conn:
        conn.execute(  # jobs whose workers died MAX_ATTEMPTS times: give up on them
            jobs.update()
            .where(jobs.c.state == "running", jobs.c.lease_until < at, jobs.c.attempts >= MAX_ATTEMPTS)
            .values(state="failed", finished_at=at,
                    error=f"its worker stopped {MAX_ATTEMPTS} times (killed or lost); not retried again")
        )
        claimable = (jobs.c.state == "queued") | ((jobs.c.state == "running") & (jobs.c.lease_until < at))
        stmt = (
            select(jobs.c.id, jobs.c.state)
            .where(claimable, jobs.c.kind.in_(kinds))
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(1)
        )
        if not db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        row = conn.execute(stmt).first()
        if row is None:
            return None
        if row.state == "running":
            log.warning("job %s: its worker's lease ran out; claimed again by %s", row.id, worker)
        claimed = conn.execute(  # RETURNING: the claimed row without another round trip
            jobs.update()
            .where(jobs.c.id == row.id, jobs.c.state == row.state)
            .values(state="running", claimed_by=worker, started_at=at,
                    lease_until=at + timedelta(seconds=lease_seconds), attempts=jobs.c.attempts + 1)
            .returning(*jobs.c)
        ).first()
        return _from_row(claimed) if claimed is not None else get_job(conn, row.id)


def renew_lease(db: Database, job_id: str, worker: str, lease_seconds: float = LEASE_SECONDS) -> bool:
    """Extend a running job's lease; False when another worker has taken it over."""
    with db.write() as conn:
        result = conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.claimed_by == worker)
            .values(lease_until=now() + timedelta(seconds=lease_seconds))
        )
        return bool(result.rowcount)


def report_progress(db: Database, job_id: str, done: int, total: int | None = None, message: str | None = None) -> None:
    with db.write() as conn:
        values: dict[str, Any] = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:2000]
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(**values))


def finish(db: Database, job_id: str, error: str | None = None, message: str | None = None) -> None:
    with db.write() as conn:
        conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(
                state="failed" if error else "done",
                error=error[:4000] if error else None,
                message=message[:2000] if message else None,
                finished_at=now(),
            )
        )


def get_job(conn: Connection, job_id: str) -> Job:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise JobNotFound(job_id)
    return _from_row(row)


def list_jobs(conn: Connection, limit: int = 50, *, for_owner: str | None = None, state: str | None = None) -> list[Job]:
    """The newest jobs (optionally only those in `state`); with `for_owner`, only those that user
    queued or that concern a work they own."""
    stmt = select(jobs)
    if state is not None:
        stmt = stmt.where(jobs.c.state == state)
    if for_owner is not None:
        owned = owned_work_ids(for_owner)
        stmt = stmt.where(or_(jobs.c.created_by == for_owner, jobs.c.params["work_id"].as_string().in_(owned)))
    rows = conn.execute(stmt.order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit))
    return [_from_row(r) for r in rows]


def count_jobs(conn: Connection, state: str, cap: int = 1000) -> int:
    """How many jobs are in `state`, counted up to `cap` (served by ix_jobs_state_created_at)."""
    found = select(jobs.c.id).where(jobs.c.state == state).limit(cap).subquery()
    return int(conn.execute(select(func.count()).select_from(found)).scalar_one())


def concerns(conn: Connection, job: Job, user_id: str) -> bool:
    """Whether the user queued the job or owns the work it is about."""
    if job.created_by == user_id:
        return True
    work_id = job.params.get("work_id")
    if not isinstance(work_id, str):
        return False
    try:
        return get_work(conn, work_id).owner_id == user_id
    except WorkNotFound:
        return False
