"""Typed reading of a generator's parameters, with errors that name the bad key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from culturebridge.errors import InvalidInput


class Params:
    """A generator's parameters; every read checks type and range, `finish` rejects leftovers."""

    def __init__(self, generator: str, values: Mapping[str, Any]) -> None:
        self.generator = generator
        self.values = values
        self._used: set[str] = set()

    def _fail(self, key: str, what: str) -> InvalidInput:
        return InvalidInput(
            f"media generator {self.generator!r}: parameter {key!r} {what}",
            hint="fix the `media` entry in the demo pack's works.yaml",
        )

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        """An integer in [lo, hi], or the default when absent."""
        self._used.add(key)
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"must be an integer, got {value!r}")
        if not lo <= value <= hi:
            raise self._fail(key, f"must be between {lo} and {hi}, got {value}")
        return value

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        """A number in [lo, hi], or the default when absent."""
        self._used.add(key)
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(key, f"must be a number, got {value!r}")
        if not lo <= float(value) <= hi:
            raise self._fail(key, f"must be between {lo} and {hi}, got {value}")
        return float(value)

    def text(self, key: str, default: str, max_len: int = 200) -> str:
        """A string of at most max_len characters, or the default when absent."""
        self._used.add(key)
        value = self.values.get(key, default)
        if not isinstance(value, str):
            raise self._fail(key, f"must be text, got {value!r}")
        if len(value) > max_len:
            raise self._fail(key, f"is longer than {max_len} characters")
        return value

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        """One of the allowed options, or the default when absent."""
        value = self.text(key, default)
        if value not in options:
            raise self._fail(key, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def finish(self) -> None:
        """Reject keys that no reader asked for (catches typos in the pack)."""
        unknown = sorted(set(self.values) - self._used)
        if unknown:
            raise self._fail(unknown[0], "is not a parameter of this generator")
