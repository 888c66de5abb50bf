"""Fixtures shared by every stage's tests.

`database` is parametrized over SQLite and PostgreSQL: every test that takes it runs on
both. PostgreSQL comes from `CULTUREBRIDGE_TEST_POSTGRES_URL` (CI starts a throwaway server
and sets it) or, failing that, a throwaway cluster this session starts from the Debian
binaries. Without either the PostgreSQL cases skip — unless
`CULTUREBRIDGE_REQUIRE_POSTGRES=1`, which CI sets so a missing server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from culturebridge.storage import Database
from tests.pgserver import start_throwaway_postgres


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    url = os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server = start_throwaway_postgres()
    if server is None:
        yield None
        return
    try:
        yield server.url
    finally:
        server.stop()


def _fresh_postgres_database(admin_url: str) -> str:
    name = f"cb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """A URL of an empty database, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if postgres_url is None:
        if os.environ.get("CULTUREBRIDGE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (CULTUREBRIDGE_REQUIRE_POSTGRES=1) but none could be started")
        pytest.skip("no PostgreSQL server available")
    url = _fresh_postgres_database(postgres_url)
    try:
        yield url
    finally:
        _drop_postgres_database(postgres_url, url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend in turn."""
    db = Database.open(database_url)
    db.migrate()
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a local S3-protocol server (moto) for this test session."""
    from tests.s3server import start_s3_server

    server = start_s3_server()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Test credentials in the environment; returns the endpoint."""
    from tests.s3server import TEST_CREDENTIALS

    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return s3_endpoint


@pytest.fixture
def s3_url(s3_env: str) -> str:
    """A fresh bucket (created) as s3://BUCKET/media."""
    from culturebridge.storage.s3media import s3_client

    bucket = f"cb-{uuid.uuid4().hex[:12]}"
    s3_client(s3_env).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/media"
