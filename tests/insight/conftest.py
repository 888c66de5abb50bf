"""Shared helpers for the insight tests: works and seeded audience events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from culturebridge.insight import AudienceEvent
from culturebridge.insight.comments import CommentAnalyzer, CommentVerdict
from tests.web.conftest import client, platform  # noqa: F401  (the web fixtures, for test_web.py)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class FixedAnalyzer(CommentAnalyzer):
    """A stand-in only where a test needs a fixed verdict; the real analyzer is tested on its own."""

    def analyze(self, text: str) -> CommentVerdict:
        bad = "BAD" in text
        return CommentVerdict("en", -0.5 if bad else 0.5, "rejected" if bad else "visible", "bad word" if bad else "")


@pytest.fixture
def fixed_analyzer() -> CommentAnalyzer:
    return FixedAnalyzer()


def audience(work_id: str, market: str, viewers: int, completion: float, *, seed: int = 1, prefix: str = "e",
             like: float = 0.2, share: float = 0.05, days: int = 3) -> list[AudienceEvent]:
    """Each viewer gets an impression and a view (completed with probability `completion`), maybe a like/share."""
    rng = np.random.default_rng(seed)
    out: list[AudienceEvent] = []
    tag = market.replace("/", "")
    for v in range(viewers):
        viewer = f"v{tag}{v}"
        at = T0 + timedelta(days=int(rng.integers(0, days)), minutes=v)
        base = f"{prefix}-{tag}-{work_id[-6:]}-{v}"
        out.append(AudienceEvent(base + "-i", viewer, work_id, market, "impression", at))
        fraction = 1.0 if rng.random() < completion else float(rng.uniform(0.0, 0.85))
        out.append(AudienceEvent(base + "-v", viewer, work_id, market, "view", at, fraction))
        if rng.random() < like:
            out.append(AudienceEvent(base + "-l", viewer, work_id, market, "like", at))
        if rng.random() < share:
            out.append(AudienceEvent(base + "-s", viewer, work_id, market, "share", at))
    return out
