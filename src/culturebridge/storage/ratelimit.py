"""Rate limits shared by every process of a platform, counted in the database.

Counting each request with its own write would put every anonymous request behind the
write lock. Instead each process counts in memory and, at most every `sync_seconds`, adds
its counts to the `rate_counts` row of each key's one-minute window and reads back the
total of all processes. A key is refused once (shared total + not-yet-synced local count)
reaches its limit, so with P processes a key can overshoot by at most what P-1 other
processes let through in one sync interval. Windows older than the previous minute are
deleted at each sync.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from culturebridge.storage._tables import rate_counts
from culturebridge.storage.database import Database

WINDOW_SECONDS = 60


class SharedRateLimiter:
    """Fixed one-minute windows per key, summed over every process through the database."""

    def __init__(self, db: Database, sync_seconds: float = 1.0) -> None:
        self.db = db
        self.sync_seconds = sync_seconds
        self._pending: Counter[tuple[str, int]] = Counter()
        self._shared: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._synced = 0.0

    def allow(self, key: str, limit: int, at: float | None = None) -> bool:
        """Count one request for `key`; False when the key reached `limit` in this minute."""
        t = time.time() if at is None else at
        window = int(t // WINDOW_SECONDS)
        slot = (key[:160], window)
        with self._lock:
            used = self._shared.get(slot, 0) + self._pending[slot]
            if used >= limit:
                return False
            self._pending[slot] += 1
        if self.sync_due():
            self.sync(window)
        return True

    def sync_due(self) -> bool:
        """Whether the next `allow` adds this process's counts to the database (once per `sync_seconds`)."""
        return time.monotonic() - self._synced >= self.sync_seconds

    def retry_after(self, at: float | None = None) -> int:
        """Seconds until the current window ends."""
        t = time.time() if at is None else at
        return max(1, int(WINDOW_SECONDS - t % WINDOW_SECONDS))

    def sync(self, window: int | None = None) -> None:
        """Add this process's counts to the shared rows and read the totals back."""
        if not self._sync_lock.acquire(blocking=False):
            return  # another thread is syncing; this request does not wait for it
        try:
            self._synced = time.monotonic()
            current = int(time.time() // WINDOW_SECONDS) if window is None else window
            with self._lock:
                pending, self._pending = self._pending, Counter()
            try:
                with self.db.write() as conn:
                    for (key, win), n in pending.items():
                        _add(conn, key, win, n)
                    conn.execute(delete(rate_counts).where(rate_counts.c.window < current - 1))
                    keys = {key for key, _ in pending} | {key for key, win in self._shared if win >= current}
                    totals = _totals(conn, keys, current)
            except Exception:
                with self._lock:
                    self._pending.update(pending)  # counted at the next sync
                raise
            with self._lock:
                self._shared = totals
        finally:
            self._sync_lock.release()


def _add(conn: Connection, key: str, window: int, n: int) -> None:
    where = (rate_counts.c.key == key) & (rate_counts.c.window == window)
    if conn.execute(update(rate_counts).where(where).values(count=rate_counts.c.count + n)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(rate_counts.insert().values(key=key, window=window, count=n))
    except IntegrityError:  # another process inserted the row first
        conn.execute(update(rate_counts).where(where).values(count=rate_counts.c.count + n))


def _totals(conn: Connection, keys: set[str], window: int) -> dict[tuple[str, int], int]:
    if not keys:
        return {}
    rows = conn.execute(
        select(rate_counts.c.key, rate_counts.c.window, rate_counts.c.count)
        .where(rate_counts.c.key.in_(sorted(keys)), rate_counts.c.window == window)
    )
    return {(str(r[0]), int(r[1])): int(r[2]) for r in rows}
