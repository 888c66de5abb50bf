"""The database handle: one engine, serialised writes on SQLite, migrations to head.

SQLite (the embedded default) runs in WAL mode with foreign keys on; every write
transaction starts with `BEGIN IMMEDIATE` and, inside one process, holds a lock so writers
queue instead of failing with "database is locked". Several processes still work: SQLite's
own lock plus `busy_timeout` make them take turns. PostgreSQL needs neither: it has row locks.

A writer waits at most `busy_seconds` for the lock (in-process and SQLite's); then it gets
`DatabaseBusy` (the web answers 503 with Retry-After), never a bare "database is locked".
Keep write transactions short: decode, hash and check files before opening one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Executable, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from culturebridge.errors import ConfigurationError, DatabaseBusy

DEFAULT_BUSY_SECONDS = 30.0


class Database:
    """A SQLAlchemy engine with the write discipline culturebridge relies on."""

    def __init__(self, engine: Engine, busy_seconds: float = DEFAULT_BUSY_SECONDS) -> None:
        self.engine = engine
        self.busy_seconds = busy_seconds
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @classmethod
    def open(cls, url: str, busy_seconds: float = DEFAULT_BUSY_SECONDS) -> Database:
        """Open `sqlite:///path` or `postgresql+psycopg://...`; raise ConfigurationError if unusable."""
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigurationError(f"database URL {url!r} is not valid: {exc}") from exc
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": busy_seconds, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_connect_listener(busy_seconds))
            event.listen(engine, "begin", _sqlite_on_begin)
        elif parsed.get_backend_name() == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
        else:
            raise ConfigurationError(
                f"database backend {parsed.get_backend_name()!r} is not supported",
                hint="use sqlite:///PATH or postgresql://USER@HOST/DB",
            )
        return cls(engine, busy_seconds)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        start = time.monotonic()
        if not self._write_lock.acquire(timeout=self.busy_seconds):
            raise DatabaseBusy(time.monotonic() - start)
        try:
            with self.engine.connect() as raw:
                conn = raw.execution_options(sqlite_begin="IMMEDIATE")
                try:
                    transaction = conn.begin()
                except OperationalError as exc:  # SQLite's busy_timeout ran out: another process writes
                    if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                        raise DatabaseBusy(time.monotonic() - start) from exc
                    raise
                with transaction:
                    yield conn
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads; nothing it does is committed."""
        with self.engine.connect() as conn:
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every migration branch (stages branch off 0001)."""
        try:
            with self.write() as conn:
                command.upgrade(alembic_config(conn), "heads")
        except OperationalError as exc:
            raise ConfigurationError(f"cannot migrate the database: {exc.orig}") from exc

    def current_heads(self) -> tuple[str, ...]:
        """The Alembic revisions the database is at (one per migration branch); () if never migrated."""
        from alembic.runtime.migration import MigrationContext

        with self.read() as conn:
            return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))

    def close(self) -> None:
        self.engine.dispose()


def alembic_config(conn: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, bound to `conn` if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("culturebridge.storage") / "migrations"))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


SQLITE_CACHE_KIB = 64 * 1024  # 64 MiB


def _sqlite_connect_listener(busy_seconds: float) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so `BEGIN IMMEDIATE` is ours to issue.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        # Page cache per connection; a negative value is KiB (https://www.sqlite.org/pragma.html#pragma_cache_size).
        # SQLite's default of 2 MiB keeps only the top of the event log's indexes in memory,
        # so every batch of events re-read leaf pages from the OS once the log passed ~1M rows.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    return on_connect


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def upsert(conn: Connection, table: Table, values: dict[str, Any], key: list[str],
           update: dict[str, Any] | None = None) -> Executable:
    """`INSERT ... ON CONFLICT (key) DO UPDATE SET update` (DO NOTHING without `update`) for
    the connection's dialect (PostgreSQL and SQLite >= 3.24 share the syntax): one statement,
    so two writers of the same key never both insert."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(**values)
        return pg.on_conflict_do_update(index_elements=key, set_=update) if update else \
            pg.on_conflict_do_nothing(index_elements=key)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(table).values(**values)
    return lite.on_conflict_do_update(index_elements=key, set_=update) if update else \
        lite.on_conflict_do_nothing(index_elements=key)
