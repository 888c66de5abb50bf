"""The app factory each web process of `serve --workers N` calls (uvicorn imports it by name).

Each process reads its settings from the environment (and `<data_dir>/culturebridge.toml`),
opens the platform itself, and runs `job_workers` job threads; nothing is shared in memory
between processes: the database, the media store and the shared files carry the state.
"""

from __future__ import annotations

from fastapi import FastAPI

from culturebridge.jobs import Worker
from culturebridge.pipeline import job_handlers
from culturebridge.platform import open_platform
from culturebridge.settings import load_settings
from culturebridge.web.app import create_app


def app_from_environment() -> FastAPI:
    """Open the platform named by CULTUREBRIDGE_* variables and build its app with job threads."""
    settings = load_settings()
    platform = open_platform(settings)
    app = create_app(platform)
    workers = [Worker(platform.db, job_handlers(platform), lease_seconds=settings.job_lease_seconds)
               for _ in range(settings.job_workers)]
    for worker in workers:
        worker.start()
    app.state.job_workers = workers
    return app
