"""Pickling for objects that guard their state with a lock: the lock is left out and remade.

Feed snapshots are built once by the refresh job and saved for every web process to load
(`live.save_snapshots`); a `threading.Lock` cannot be pickled, and must not be shared anyway.
"""

from __future__ import annotations

import threading
from typing import Any


class PicklableLock:
    """Mixin: pickle everything but `self._lock`, which is recreated on load."""

    _lock: Any

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
