from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.catalog.canon import CanonCard
from culturebridge.review import Models, Reviewer, load_canon_dir, load_policy
from culturebridge.review.work_review import shared_models

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def models() -> Models:
    """USE, profanity and NSFW models, each loaded once per process on first use (shared with jobs)."""
    return shared_models()


@pytest.fixture(scope="session")
def cards() -> dict[str, CanonCard]:
    return load_canon_dir(FIXTURES)


@pytest.fixture(scope="session")
def nrta(cards: dict[str, CanonCard], models: Models) -> Reviewer:
    return Reviewer(load_policy("cn-nrta-ai-alteration"), cards, models=models)
