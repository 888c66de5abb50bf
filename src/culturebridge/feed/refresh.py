"""The `feed-refresh` job: rebuild the feed snapshots in a worker (queued on every publication)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from culturebridge.jobs import Handler, Progress, enqueue_unless_waiting
from culturebridge.platform import Platform

JOB_KIND = "feed-refresh"


def queue_refresh(conn: Connection, actor_id: str | None) -> None:
    """Queue a refresh unless one is already waiting (one rebuild covers every publication before it)."""
    enqueue_unless_waiting(conn, JOB_KIND, {}, created_by=actor_id)


def handler(platform: Platform) -> Handler:
    """Job handler: build every market's snapshot and record a new generation."""

    def run(params: dict[str, Any], progress: Progress) -> str:
        from culturebridge.feed.live import refresh_catalog

        report = refresh_catalog(platform)
        return (f"snapshot {report.generation}: {sum(report.markets.values())} item(s) in "
                f"{len(report.markets)} market(s), {report.events} event(s)")

    return run
