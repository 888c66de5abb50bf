"""The one list of stages: what runs for every job kind, for every new asset, at `init`.

Every stage contributes plain functions through its public package; this module only lists
them, so a reader sees in one place everything that happens to a work as it moves through
the pipeline. A new stage plugs in by adding its lines here (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from culturebridge import (
    audit,
    create,
    feed,
    fingerprint,
    insight,
    labels,
    localize,
    review,
    rights,
)
from culturebridge.errors import InvalidInput
from culturebridge.jobs import ASSET_ADDED, Handler, Progress, enqueue
from culturebridge.pipeline import automation
from culturebridge.platform import Platform
from culturebridge.settings import Settings

if TYPE_CHECKING:
    from culturebridge.fingerprint.image import Box, Rgb

# The stages a work page lists with their state, in pipeline order.
STAGES = ("rights", "fingerprint", "labels", "review", "localize", "feed")

# Stages with tables but no job, work status or keys here (listed so their tables register):
# audit runs are started from the command line and read in the studio.
TABLE_ONLY_STAGES = (audit,)

# A job handler factory gets the opened platform and returns the handler for its job kind.
HandlerFactory = Callable[[Platform], Handler]

# Job kinds queued for every newly ingested asset, in pipeline order.
PER_ASSET_JOBS: tuple[str, ...] = (fingerprint.JOB_KIND, labels.JOB_KIND)


def fingerprint_overlays(rgb: Rgb) -> Sequence[Box]:
    """What fingerprints ignore on a picture (`fingerprint.image.OverlayFinder`): the plate
    the labels stage draws on every AI picture the platform publishes (GB 45438-2025 §5.2), which
    two unrelated labelled pictures would otherwise be matched on. Every place that
    fingerprints pictures for the platform (the job, backfill, scan) passes this one."""
    return labels.plate_boxes(rgb)


def _fingerprint_handler(platform: Platform) -> Handler:
    return fingerprint.job_handler(platform, overlays=fingerprint_overlays)


_HANDLERS: dict[str, HandlerFactory] = {
    fingerprint.JOB_KIND: _fingerprint_handler,
    labels.JOB_KIND: labels.check_handler,
    review.JOB_KIND: review.handler,
    localize.JOB_KIND: localize.handler,
    feed.REFRESH_JOB: feed.refresh_handler,
    automation.AUTOMATION_JOB: automation.handler,
    create.JOB_KIND: create.handler,
}

# Stages wired to the live feed: called once per process that serves or records events.
EVENT_HOOKS: tuple[Callable[[], None], ...] = (insight.register,)

# Functions `culturebridge init` calls to create each stage's keys in the data directory.
KEY_MAKERS: tuple[Callable[[Settings], None], ...] = (labels.make_platform_keys, rights.make_log_key)


def job_handlers(platform: Platform) -> dict[str, Handler]:
    """Every job kind a worker of this platform can run."""
    handlers = {kind: make(platform) for kind, make in _HANDLERS.items()}
    handlers[ASSET_ADDED] = _fan_out(platform)
    return handlers


def _fan_out(platform: Platform) -> Handler:
    """The `asset-added` handler: queue the per-asset stages for a newly stored asset."""

    def handle(params: dict[str, Any], progress: Progress) -> str:
        asset_id, work_id = params.get("asset_id"), params.get("work_id")
        if not isinstance(asset_id, str) or not isinstance(work_id, str):
            raise InvalidInput(f"an {ASSET_ADDED} job needs asset_id and work_id, got {params!r}")
        with platform.db.write() as conn:
            for kind in PER_ASSET_JOBS:
                enqueue(conn, kind, {"asset_id": asset_id, "work_id": work_id}, created_by=params.get("by"))
            # After the per-asset stages, so a rule registering rights finds the file's fingerprint.
            automation.queue_rules(conn, work_id, asset_id, params.get("by"))
        return f"{asset_id}: queued {', '.join(PER_ASSET_JOBS)}"

    return handle
