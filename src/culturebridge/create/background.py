"""Long generations as background jobs: `create-draft` runs a logged attempt with progress.

The web studio and `culturebridge create draft --queue` log the attempt as `queued` and
queue one job; the worker runs it, reporting each step (script, each still, narration,
assembling, labelling, review) as the job's progress. Cancelling marks the attempt; the run
stops at its next step and saves nothing.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Connection

from culturebridge.accounts import get_user
from culturebridge.create import store
from culturebridge.errors import InvalidInput
from culturebridge.jobs import Handler, Job, Progress, enqueue
from culturebridge.platform import Platform

JOB_KIND = "create-draft"
STEPS = 8  # a rough scale for the progress bar; video drafts report more steps and are capped


def queue_attempt(conn: Connection, attempt: store.Attempt) -> Job:
    """Queue the job that runs a `queued` attempt (in the caller's transaction)."""
    job = enqueue(conn, JOB_KIND, {"attempt_id": attempt.id}, created_by=attempt.created_by)
    store.update_attempt(conn, attempt.id, job_id=job.id)
    return job


def handler(platform: Platform) -> Handler:
    """The `create-draft` job handler: params {"attempt_id"}."""

    def run(params: dict[str, Any], progress: Progress) -> str:
        attempt_id = params.get("attempt_id")
        if not isinstance(attempt_id, str):
            raise InvalidInput("create-draft job needs an attempt_id")
        with platform.db.write() as conn:
            attempt = store.get_attempt(conn, attempt_id)
            if attempt.state != "queued":
                return f"attempt {attempt_id} is {attempt.state}; nothing to do"
            store.update_attempt(conn, attempt_id, state="running")
            actor = get_user(conn, attempt.created_by)
        done = [0]

        def report(message: str) -> None:
            done[0] += 1
            progress(min(done[0], STEPS - 1), STEPS, message)

        # Endpoint keys live in the worker's environment (never in the database). Generation
        # (openai, Pillow, ffmpeg wrappers) loads only when a draft runs.
        from culturebridge.create.drafts import run_attempt

        result = run_attempt(platform, actor, attempt, environ=os.environ, progress=report)
        progress(STEPS, STEPS, f"ready: {result.review['decision']}")
        return f"draft {result.draft_id} v{result.version}: work {result.work_id}, review {result.review['decision']}"

    return run
