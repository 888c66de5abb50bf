"""Pipeline: where each work stands per stage, and background jobs with progress."""

from culturebridge.pipeline.jobs import Job, claim_next, count_jobs, enqueue, finish, get_job, list_jobs, report_progress
from culturebridge.pipeline.status import STAGES, StageStatus, set_status, statuses, statuses_of
from culturebridge.pipeline.worker import Handler, Progress, Worker, run_one

__all__ = [
    "STAGES",
    "Handler",
    "Job",
    "Progress",
    "StageStatus",
    "Worker",
    "claim_next",
    "count_jobs",
    "enqueue",
    "finish",
    "get_job",
    "list_jobs",
    "report_progress",
    "run_one",
    "set_status",
    "statuses",
    "statuses_of",
]
