"""Background work: the job queue, workers, each work's state per stage, and ingest.

A base package: stages import it to queue and run their jobs and to record where a work
stands; it imports no stage. What runs for each job kind and for each new asset is listed
once, in `culturebridge.pipeline`.
"""

from culturebridge.jobs.ingest import (
    ASSET_ADDED,
    COMMIT_BATCH,
    announce_asset,
    ingest,
    ingest_file,
    ingest_prepared,
    record_prepared,
)
from culturebridge.jobs.queue import (
    JOB_STATES,
    Job,
    claim_next,
    concerns,
    count_jobs,
    enqueue,
    enqueue_unless_waiting,
    finish,
    get_job,
    list_jobs,
    report_progress,
)
from culturebridge.jobs.status import (
    STATES,
    StageStatus,
    in_state,
    set_status,
    statuses,
    statuses_of,
)
from culturebridge.jobs.worker import Handler, Progress, Worker, run_one

__all__ = [
    "ASSET_ADDED",
    "JOB_STATES",
    "STATES",
    "COMMIT_BATCH",
    "Handler",
    "Job",
    "Progress",
    "StageStatus",
    "Worker",
    "announce_asset",
    "claim_next",
    "count_jobs",
    "concerns",
    "enqueue",
    "enqueue_unless_waiting",
    "finish",
    "get_job",
    "in_state",
    "ingest",
    "ingest_file",
    "ingest_prepared",
    "list_jobs",
    "record_prepared",
    "report_progress",
    "run_one",
    "set_status",
    "statuses",
    "statuses_of",
]
