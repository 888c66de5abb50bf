"""Where the stages plug into the platform: job handlers, ingest hooks, key makers.

Each stage contributes plain functions; this module only lists them, so a reader sees in
one place everything that happens to a work as it moves through the pipeline. A stage adds
itself by adding one line to the list it needs.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from culturebridge import automation
from culturebridge.catalog.models import Asset
from culturebridge.feed import jobs as feed_jobs
from culturebridge.fingerprint import jobs as fingerprint_jobs
from culturebridge.labels import jobs as labels_jobs
from culturebridge.labels import keyring as labels_keyring
from culturebridge.localize import jobs as localize_kinds
from culturebridge.localize import work_localization as localize_jobs
from culturebridge.pipeline.jobs import enqueue
from culturebridge.pipeline.worker import Handler
from culturebridge.platform import Platform
from culturebridge.review import work_review as review_jobs
from culturebridge.rights import platform as rights_platform
from culturebridge.settings import Settings

# A job handler factory gets the opened platform and returns the handler for its job kind.
HandlerFactory = Callable[[Platform], Handler]


def job_handlers(platform: Platform) -> dict[str, Handler]:
    """Every job kind a worker of this platform can run."""
    factories: dict[str, HandlerFactory] = {
        # "fingerprint-asset": culturebridge.fingerprint.jobs.handler,   (stages add theirs here)
        fingerprint_jobs.JOB_KIND: fingerprint_jobs.handler,
        labels_jobs.JOB_KIND: labels_jobs.check_handler,
        localize_kinds.JOB_KIND: localize_jobs.handler,
        feed_jobs.JOB_KIND: feed_jobs.handler,
        review_jobs.JOB_KIND: review_jobs.handler,
        automation.JOB_KIND: automation.handler,
    }
    return {kind: make(platform) for kind, make in factories.items()}


def asset_jobs() -> list[str]:
    """Job kinds queued for every newly ingested asset, in pipeline order."""
    return [
        fingerprint_jobs.JOB_KIND,
        labels_jobs.JOB_KIND,
    ]


def after_ingest(conn: Connection, asset: Asset, actor_id: str | None) -> None:
    """Queue the per-asset stages for a newly stored asset (in the ingest transaction)."""
    for kind in asset_jobs():
        enqueue(conn, kind, {"asset_id": asset.id, "work_id": asset.work_id}, created_by=actor_id)
    # After the per-asset stages, so a rule registering rights finds the file's fingerprint.
    automation.queue_for_asset(conn, asset.work_id, asset.id, actor_id)


def key_makers() -> list[Callable[[Settings], None]]:
    """Functions `culturebridge init` calls to create each stage's keys in the data directory."""
    return [
        labels_keyring.make_platform_keys,
        rights_platform.make_log_key,
    ]
