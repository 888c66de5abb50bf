"""The pipeline: the one list of stages and what runs for each job and each new asset.

The top layer of the platform: it imports every stage's public package, and nothing below
imports it. `job_handlers` is what a worker runs, `init_platform` creates a data directory
with every stage's keys, `fingerprint_overlays` is what every fingerprint of a picture
ignores (the labels stage's plate), `statuses` lists a work's state in each stage in
pipeline order, and `metadata` is the schema with every stage's tables registered.
"""

from __future__ import annotations

from sqlalchemy import Connection

from culturebridge.errors import InvalidInput
from culturebridge.jobs import StageStatus
from culturebridge.jobs import set_status as _set_status
from culturebridge.jobs import statuses as _statuses
from culturebridge.jobs import statuses_of as _statuses_of
from culturebridge.pipeline import _tables  # noqa: F401  (registers the automation tables)
from culturebridge.pipeline.activity import SOURCES as ACTIVITY_SOURCES
from culturebridge.pipeline.activity import Timeline, timeline
from culturebridge.pipeline.automation import AUTOMATION_JOB, queue_rules, run_rules
from culturebridge.pipeline.rules import (
    ACTIONS,
    OUTCOMES,
    PROTECTIONS,
    TRIGGERS,
    Condition,
    Facts,
    Rule,
    Run,
    add_rule,
    check_params,
    get_rule,
    list_rules,
    matches,
    remove_rule,
    runs_of,
    set_enabled,
)
from culturebridge.pipeline.setup import init_platform
from culturebridge.pipeline.stages import (
    EVENT_HOOKS,
    KEY_MAKERS,
    PER_ASSET_JOBS,
    STAGES,
    fingerprint_overlays,
    job_handlers,
)
from culturebridge.storage import metadata


def statuses(conn: Connection, work_id: str) -> list[StageStatus]:
    """A work's state in every stage, in pipeline order (`pending` where nothing ran yet)."""
    return _statuses(conn, work_id, STAGES)


def statuses_of(conn: Connection, work_ids: list[str]) -> dict[str, list[StageStatus]]:
    """`statuses` of several works in one query."""
    return _statuses_of(conn, work_ids, STAGES)


def set_status(conn: Connection, work_id: str, stage: str, state: str, detail: str | None = None) -> None:
    """Record a work's state in one of the pipeline's stages (InvalidInput for any other name)."""
    if stage not in STAGES:
        raise InvalidInput(f"stage {stage!r} is not one of {', '.join(STAGES)}")
    _set_status(conn, work_id, stage, state, detail)


__all__ = [
    "ACTIONS",
    "ACTIVITY_SOURCES",
    "AUTOMATION_JOB",
    "EVENT_HOOKS",
    "KEY_MAKERS",
    "OUTCOMES",
    "PER_ASSET_JOBS",
    "PROTECTIONS",
    "STAGES",
    "TRIGGERS",
    "Condition",
    "Facts",
    "Rule",
    "Run",
    "Timeline",
    "add_rule",
    "check_params",
    "fingerprint_overlays",
    "get_rule",
    "init_platform",
    "job_handlers",
    "list_rules",
    "matches",
    "metadata",
    "queue_rules",
    "remove_rule",
    "run_rules",
    "timeline",
    "runs_of",
    "set_enabled",
    "set_status",
    "statuses",
    "statuses_of",
]
