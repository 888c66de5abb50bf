"""Hypothesis fuzzing of the binary readers: any bytes give labels or a clear Error."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from culturebridge.errors import Error
from culturebridge.labels import AIGCLabel
from culturebridge.labels.carriers import id3, jpeg, mp4, png

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    """The seed file with a few bytes overwritten, or cut, or extended with junk."""
    flips = st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=8)

    def apply(args: tuple[list[tuple[int, int]], int, bytes]) -> bytes:
        edits, cut, tail = args
        data = bytearray(seed)
        for at, value in edits:
            data[at] = value
        return bytes(data[: max(1, cut)]) + tail

    return st.tuples(flips, st.integers(1, len(seed)), st.binary(max_size=16)).map(apply)


def _fuzz(module: ModuleType, data: bytes, label: AIGCLabel) -> None:
    read = module.read
    write = module.write
    try:
        read(data)
    except Error:
        pass
    try:
        out = write(data, label)
    except Error:
        return
    try:
        read(out)
    except Error:
        pass


@pytest.mark.parametrize(
    "name,module", [("a.png", png), ("a.jpg", jpeg), ("fast.mp4", mp4), ("a.mp3", id3)]
)
def test_readers_never_crash(
    name: str, module: ModuleType, media: dict[str, bytes], label: AIGCLabel
) -> None:
    seed = media[name][:4096] if name != "fast.mp4" else media[name]

    @SETTINGS
    @given(_mutations(seed))
    def run(data: bytes) -> None:
        _fuzz(module, data, label)

    run()


@SETTINGS
@given(st.binary(max_size=512))
def test_random_bytes_never_crash(data: bytes) -> None:
    for module in (png, jpeg, mp4, id3):
        try:
            module.read(data)
        except Error:
            pass
