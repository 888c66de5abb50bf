"""Bulk statements for large batches: key look-ups, inserts, insert-if-new and additive upserts.

SQLAlchemy's Core executemany builds a parameter dictionary per row in Python, and an
expanding `IN` is compiled once per chunk; for batches of 10,000 rows that costs more than
the database's own work. These helpers send plain SQL at driver level, the columns' own
bind processors applied (a stored value is the same as through Core):

- SQLite: multi-row `VALUES` lists, chunked under its 32,766 host parameters
  (https://www.sqlite.org/limits.html, SQLITE_MAX_VARIABLE_NUMBER);
- PostgreSQL: one array parameter per column, expanded with `unnest` (PostgreSQL manual,
  "Array Functions and Operators"), so a statement has a handful of parameters however many
  rows it carries (psycopg re-parses long statements with thousands of placeholders).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table

MAX_PARAMS = 30_000  # SQLite statements
PG_ROWS = 50_000  # rows per PostgreSQL statement


def _processors(conn: Connection, table: Table, cols: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    return [table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in cols]


def _binder(procs: Sequence[Callable[[Any], Any] | None]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function that applies the columns' bind processors to one row (identity when none has one)."""
    active = [(i, p) for i, p in enumerate(procs) if p is not None]
    if not active:
        return lambda row: row

    def bind(row: Sequence[Any]) -> Sequence[Any]:
        out = list(row)
        for i, p in active:
            if out[i] is not None:
                out[i] = p(out[i])
        return out

    return bind


def _chunks(conn: Connection, rows: Sequence[Any], width: int) -> Iterable[Sequence[Any]]:
    size = PG_ROWS if _pg(conn) else max(1, MAX_PARAMS // max(1, width))
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _rows_sql(conn: Connection, table: Table, cols: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, tuple[Any, ...]]:
    """A row source of `rows` for `cols` and its parameters: `VALUES (?, ?), ...` on SQLite,
    `SELECT * FROM unnest(%s::type[], ...)` on PostgreSQL."""
    bind = _binder(_processors(conn, table, cols))
    bound = [bind(r) for r in rows]
    if _pg(conn):
        types = [table.c[c].type.compile(conn.dialect) for c in cols]
        arrays = tuple([r[i] for r in bound] for i in range(len(cols)))
        return "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")", arrays
    one = "(" + ", ".join(["?"] * len(cols)) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), tuple(v for r in bound for v in r)


def fetch_rows(conn: Connection, table: Table, cols: Sequence[str], keys: Iterable[tuple[Any, ...]],
               columns: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """The stored rows whose `cols` equal one of these keys, as (*key, *columns) tuples: an
    index look-up per key (`(c1, c2) IN (rows)`), never a scan of rows sharing a key prefix."""
    wanted = sorted(set(keys))
    out: list[tuple[Any, ...]] = []
    head = ", ".join(cols)
    select = ", ".join([*cols, *columns])
    for chunk in _chunks(conn, wanted, len(cols)):
        source, params = _rows_sql(conn, table, cols, chunk)
        sql = f"SELECT {select} FROM {table.name} WHERE ({head}) IN ({source})"
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, params))
    return out


def existing_keys(conn: Connection, table: Table, cols: Sequence[str], keys: Iterable[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Which of these keys (values of `cols`, typically the primary key) are stored."""
    return set(fetch_rows(conn, table, cols, keys))


def insert_rows(conn: Connection, table: Table, cols: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows (values of `cols`, in order) in a few multi-row statements."""
    for chunk in _chunks(conn, rows, len(cols)):
        source, params = _rows_sql(conn, table, cols, chunk)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) {source}", params)


def _where_true(conn: Connection) -> str:
    # SQLite parses `INSERT ... SELECT ... ON CONFLICT` only with a WHERE before ON CONFLICT
    # (https://www.sqlite.org/lang_upsert.html, "Parsing Ambiguity"); VALUES needs none.
    return " WHERE true" if _pg(conn) else ""


def insert_new(conn: Connection, table: Table, cols: Sequence[str], nkeys: int,
               rows: Sequence[Sequence[Any]]) -> set[tuple[Any, ...]]:
    """Insert the rows whose key (the first `nkeys` of `cols`, a primary or unique key) is not
    stored yet; returns the keys this statement inserted. `INSERT ... ON CONFLICT DO NOTHING
    RETURNING` (PostgreSQL 9.5+, SQLite 3.35+): of two concurrent writers only one sees a key
    as new. Rows are sent in key order, one lock order for every writer (no deadlocks)."""
    keys = ", ".join(cols[:nkeys])
    ordered = sorted(rows, key=lambda r: tuple(r[:nkeys]))
    out: set[tuple[Any, ...]] = set()
    for chunk in _chunks(conn, ordered, len(cols)):
        source, params = _rows_sql(conn, table, cols, chunk)
        sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) {source}{_where_true(conn)} "
               f"ON CONFLICT ({keys}) DO NOTHING RETURNING {keys}")
        out.update(tuple(r) for r in conn.exec_driver_sql(sql, params))
    return out


def upsert_add(conn: Connection, table: Table, keys: Sequence[str], counters: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """Add counter rows (values of keys then counters; each key once): `INSERT ... ON CONFLICT
    (keys) DO UPDATE SET c = c + excluded.c` (SQLite 3.24+, PostgreSQL 9.5+), in key order."""
    cols = [*keys, *counters]
    ordered = sorted(rows, key=lambda r: tuple(r[:len(keys)]))
    sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in counters)
    for chunk in _chunks(conn, ordered, len(cols)):
        source, params = _rows_sql(conn, table, cols, chunk)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) {source}{_where_true(conn)} "
                             f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}", params)
