"""Create: canon-grounded AI drafts born with lineage, labels, a signed claim and review.

Public API: `make_draft(platform, actor, DraftRequest(...), environ=...)` generates a
story, image, motion comic or market brief from a source work through an endpoint the
user configured (`resolve_endpoint`), and stores it as an AI-adaptation derivative with its
files labelled (GB 45438, IPTC, C2PA) and reviewed; `next_version` regenerates or edits,
`cancel` stops a running attempt, `queue_attempt` + the `create-draft` job run it in the
background. Drafts, versions and attempts are read with `get_draft`, `drafts_of_source`,
`draft_of_work`, `get_attempt`, `list_attempts`.

Names are imported on first use (PEP 562): the storage layer imports `create._tables` at
start-up, and the media libraries behind generation are slow to load.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from culturebridge.create import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.create.activity import activity

if TYPE_CHECKING:
    from culturebridge.create.background import JOB_KIND, handler, queue_attempt
    from culturebridge.create.drafts import (
        DraftRequest,
        DraftResult,
        cancel,
        make_draft,
        next_version,
        run_attempt,
        start,
    )
    from culturebridge.create.endpoints import Endpoint, parse_endpoints, resolve_endpoint
    from culturebridge.create.generate import KINDS, STORY_FORMS, Options
    from culturebridge.create.grounding import Grounding, ground, screen_brief
    from culturebridge.create.store import (
        Attempt,
        Draft,
        Version,
        draft_of_work,
        drafts_of_source,
        get_attempt,
        get_draft,
        list_attempts,
    )

_WHERE: dict[str, str] = {
    "JOB_KIND": "background", "handler": "background", "queue_attempt": "background",
    "DraftRequest": "drafts", "DraftResult": "drafts", "cancel": "drafts", "make_draft": "drafts",
    "next_version": "drafts", "run_attempt": "drafts", "start": "drafts",
    "Endpoint": "endpoints", "parse_endpoints": "endpoints", "resolve_endpoint": "endpoints",
    "KINDS": "generate", "STORY_FORMS": "generate", "Options": "generate",
    "Grounding": "grounding", "ground": "grounding", "screen_brief": "grounding",
    "Attempt": "store", "Draft": "store", "Version": "store", "draft_of_work": "store",
    "drafts_of_source": "store", "get_attempt": "store", "get_draft": "store", "list_attempts": "store",
}

__all__ = [
    "activity",
    "JOB_KIND",
    "KINDS",
    "STORY_FORMS",
    "Attempt",
    "Draft",
    "DraftRequest",
    "DraftResult",
    "Endpoint",
    "Grounding",
    "Options",
    "Version",
    "cancel",
    "draft_of_work",
    "drafts_of_source",
    "get_attempt",
    "get_draft",
    "ground",
    "handler",
    "list_attempts",
    "make_draft",
    "next_version",
    "parse_endpoints",
    "queue_attempt",
    "resolve_endpoint",
    "run_attempt",
    "screen_brief",
    "start",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'culturebridge.create' has no attribute {name!r}")
    value = getattr(import_module(f"culturebridge.create.{module}"), name)
    globals()[name] = value
    return value
