"""One cell of an audit: a question asked of one endpoint in one language, sample k, and what came back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from culturebridge.audit.endpoints import Endpoint

CellKey = tuple[str, str, str, int]  # endpoint, question id, language, sample


@dataclass(frozen=True)
class Cell:
    endpoint: str
    question_id: str
    language: str
    sample: int
    status: str
    content: str = ""
    http_status: int | None = None
    error: str = ""
    choice: int | None = None
    cached: bool = False
    attempts: int = 1
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    judgements: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished_at: datetime | None = None

    @property
    def key(self) -> CellKey:
        return (self.endpoint, self.question_id, self.language, self.sample)

    @property
    def answered(self) -> bool:
        """The endpoint produced text we can measure (possibly in the wrong language)."""
        return self.status in ("ok", "wrong_language")


def cache_key(endpoint: Endpoint, messages: list[dict[str, str]], sample: int) -> str:
    """SHA-256 of everything that decides an answer: base URL, model, parameters, messages, sample."""
    blob = json.dumps({"base_url": endpoint.base_url, "model": endpoint.model, "params": endpoint.params(),
                       "messages": messages, "sample": sample}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()
