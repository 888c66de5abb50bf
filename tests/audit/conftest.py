"""Shared pieces of the audit tests: small question sets cut from the bundled one, fast limits."""

from __future__ import annotations

from culturebridge.audit.client import RetryPolicy
from culturebridge.audit.questions import QuestionSet, bundled_set_path, load_question_set
from culturebridge.audit.runner import Limits

FAST = Limits(timeout=10.0, policy=RetryPolicy(retries=4, backoff=0.001, cap=0.005))


def subset(*ids: str) -> QuestionSet:
    """The bundled set cut down to these questions (same schema, same prompts)."""
    full = load_question_set(bundled_set_path())
    return QuestionSet(full.id, full.version, tuple(full.question(i) for i in ids))
