"""A deployment of several processes on loopback: PostgreSQL, the S3 server, a data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.conftest import _drop_postgres_database, _fresh_postgres_database
from tests.s3server import TEST_CREDENTIALS

PASSWORD = "password-for-tests"


@dataclass
class Deployment:
    settings: Settings
    env: dict[str, str]

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """Start `culturebridge ARGS` as its own process with this deployment's settings."""
        out = log.open("wb")
        return subprocess.Popen([sys.executable, "-m", "culturebridge", *args], env=self.env,
                                stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def deployment(tmp_path: Path, postgres_url: str | None, s3_url: str, s3_env: str) -> Iterator[Deployment]:
    if postgres_url is None:
        pytest.skip("no PostgreSQL server available")
    db_url = _fresh_postgres_database(postgres_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, media_url=s3_url, s3_endpoint_url=s3_env,
                        job_lease_seconds=3)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    platform.close()
    env = {**os.environ, **TEST_CREDENTIALS,
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
           "CULTUREBRIDGE_DATA_DIR": str(settings.data_dir), "CULTUREBRIDGE_DATABASE_URL": db_url,
           "CULTUREBRIDGE_MEDIA_URL": s3_url, "CULTUREBRIDGE_S3_ENDPOINT_URL": s3_env,
           "CULTUREBRIDGE_JOB_LEASE_SECONDS": "3"}
    try:
        yield Deployment(settings, env)
    finally:
        _drop_postgres_database(postgres_url, db_url)


def open_deployment(d: Deployment) -> Platform:
    from culturebridge.platform import open_platform

    return open_platform(d.settings)
