"""Where the stages plug into the platform: job handlers, ingest hooks, key makers.

Each stage contributes plain functions; this module only lists them, so a reader sees in
one place everything that happens to a work as it moves through the pipeline. A stage adds
itself by adding one line to the list it needs.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from culturebridge.catalog.models import Asset
from culturebridge.pipeline.jobs import enqueue
from culturebridge.pipeline.worker import Handler
from culturebridge.platform import Platform
from culturebridge.settings import Settings

# A job handler factory gets the opened platform and returns the handler for its job kind.
HandlerFactory = Callable[[Platform], Handler]


def job_handlers(platform: Platform) -> dict[str, Handler]:
    """Every job kind a worker of this platform can run."""
    factories: dict[str, HandlerFactory] = {
        # "fingerprint-asset": culturebridge.fingerprint.jobs.handler,   (stages add theirs here)
    }
    return {kind: make(platform) for kind, make in factories.items()}


def asset_jobs() -> list[str]:
    """Job kinds queued for every newly ingested asset, in pipeline order."""
    return []


def after_ingest(conn: Connection, asset: Asset, actor_id: str | None) -> None:
    """Queue the per-asset stages for a newly stored asset (in the ingest transaction)."""
    for kind in asset_jobs():
        enqueue(conn, kind, {"asset_id": asset.id, "work_id": asset.work_id}, created_by=actor_id)


def key_makers() -> list[Callable[[Settings], None]]:
    """Functions `culturebridge init` calls to create each stage's keys in the data directory."""
    return []
