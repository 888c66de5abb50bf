from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from culturebridge.catalog.canon import CanonCard
from culturebridge.review import Models, Reviewer, load_canon_dir, load_policy, policy_from_dict
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


@pytest.fixture(scope="session")
def nrta_rules(cards: dict[str, CanonCard], models: Models) -> Reviewer:
    """The bundled NRTA pack with the learned referral signal switched off: the rule checks' own decisions."""
    path = Path(str(resources.files("culturebridge.review") / "policies" / "cn-nrta-ai-alteration.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["checks"]:
        if rule["check"] == "learned":
            rule["params"]["refer"] = False
    return Reviewer(policy_from_dict(data, source="rules only"), cards, models=models)
