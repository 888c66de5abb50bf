"""Values that flow through the localize stage: segments, translations, QA issues, context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

Status = Literal["translated", "needs_human", "failed"]
Severity = Literal["error", "warning"]

# Languages culturebridge localizes between (DESIGN: markets of the feed stage).
LANGUAGES: tuple[str, ...] = ("zh", "en", "es", "fr", "ar", "th", "ms", "ja", "ko")


def base_language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag, lower-cased (`zh-Hant-TW` -> `zh`)."""
    return tag.replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class Segment:
    """One unit of source text (a sentence, a line, a subtitle cue)."""

    id: str
    text: str


@dataclass(frozen=True)
class Issue:
    """One QA finding: where (segment id or line), which check, which span, and why."""

    segment: str
    check: str
    span: tuple[int, int]
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data (the CLI's `--json` shape)."""
        return {"line": self.segment, "check": self.check, "span": list(self.span),
                "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class TermHint:
    """A glossary entry matched in a segment, as given to an engine (e.g. in an LLM prompt)."""

    source: str
    target: str
    note: str = ""


@dataclass(frozen=True)
class Context:
    """What an engine may use beyond the text: IP, style, glossary hints, forbidden output."""

    ip: str | None = None
    style_notes: str = ""
    hints: Mapping[str, tuple[TermHint, ...]] = field(default_factory=dict)
    forbidden: tuple[str, ...] = ()
    num_hypotheses: int = 1


@dataclass(frozen=True)
class Translation:
    """An engine's answer for one segment; `text` is None when it failed or awaits a human."""

    segment_id: str
    source: str
    text: str | None
    origin: str
    status: Status = "translated"
    hypotheses: tuple[str, ...] = ()
    error: str | None = None
    issues: tuple[Issue, ...] = ()
    # Which glossary method supplied the terms ("mask", "substitute", "+repair"); "" if none ran.
    term_method: str = ""

    @classmethod
    def failed(cls, segment: Segment, origin: str, error: str) -> Translation:
        """A per-segment failure that says what went wrong."""
        return cls(segment.id, segment.text, None, origin, "failed", (), error)

    def with_text(self, text: str, hypotheses: tuple[str, ...] | None = None) -> Translation:
        """The same translation with new text (and optionally new n-best)."""
        return replace(self, text=text, hypotheses=self.hypotheses if hypotheses is None else hypotheses)

    def with_issues(self, issues: tuple[Issue, ...]) -> Translation:
        """The same translation carrying QA issues."""
        return replace(self, issues=self.issues + issues)


NO_CONTEXT = Context()
"""The empty context (a shared immutable default)."""
