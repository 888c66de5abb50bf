"""What a review looks at (`ReviewItem`) and what a check reports (`Finding`).

A finding always carries evidence a human can verify: the field and character span it
quotes, or the frame time of a key frame, and one sentence of explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from culturebridge.errors import ReviewTextInvalid

Severity = Literal["low", "medium", "high"]
# The kind of a finding that doubts the checks before it: their rejects on the text go to the
# human desk instead (`decision.decide`). The learned signal emits it when it reads a text a
# rule rejected as acceptable; the stance check when the text says the scene is the original's
# or refutes the claim it reports.
DOUBT = "doubt"
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")
Field = Literal["title", "text", "frame"]

# A synopsis, script or subtitle file is far below this; past it we refuse with a clear
# error instead of spending minutes (the embedding pass is linear but slow per sentence).
MAX_TEXT_CHARS = 200_000


def severity_rank(severity: Severity) -> int:
    """0 for low, 1 for medium, 2 for high."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Frame:
    """A key frame of a video (or a still image) at a time in seconds."""

    time_s: float
    image: bytes


@dataclass(frozen=True)
class ReviewItem:
    """One derivative to review against its source IP."""

    ip: str
    text: str
    title: str = ""
    lang: str | None = None
    ai_generated: bool = False
    labelled: bool = False
    frames: tuple[Frame, ...] = ()
    item_id: str = ""

    def field_text(self, name: Field) -> str:
        """The text of a field ('' for frame)."""
        return self.title if name == "title" else self.text if name == "text" else ""


def validate_item(item: ReviewItem, *, max_chars: int = MAX_TEXT_CHARS) -> ReviewItem:
    """Return the item if its text is reviewable; raise ReviewTextInvalid otherwise."""
    if not isinstance(item.text, str) or not isinstance(item.title, str):
        raise ReviewTextInvalid("review text and title must be strings")
    if not item.text.strip() and not item.frames:
        raise ReviewTextInvalid(
            "nothing to review: the text is empty", hint="pass the synopsis or script text"
        )
    if len(item.text) + len(item.title) > max_chars:
        raise ReviewTextInvalid(
            f"text is {len(item.text):,} characters, above the {max_chars:,} review limit",
            hint="split the work into episodes or chapters and review each",
        )
    if "\x00" in item.text:
        raise ReviewTextInvalid("text contains NUL bytes: is it a binary file?")
    if item.lang is not None and item.lang not in ("zh", "en"):
        raise ReviewTextInvalid(f"unsupported language {item.lang!r}", hint="use zh or en")
    return item


@dataclass(frozen=True)
class Evidence:
    """Where a finding points: a field and char span, or a frame time."""

    field: Field
    start: int = 0
    end: int = 0
    quote: str = ""
    frame_time_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out: dict[str, Any] = {"field": self.field}
        if self.field == "frame":
            out["frame_time_s"] = self.frame_time_s
        else:
            out.update(start=self.start, end=self.end, quote=self.quote)
        return out


def span_evidence(item: ReviewItem, name: Field, start: int, end: int) -> Evidence:
    """Evidence quoting item.<name>[start:end]."""
    return Evidence(field=name, start=start, end=end, quote=item.field_text(name)[start:end])


@dataclass(frozen=True)
class Finding:
    """One problem a check found; `clause` is filled in by the policy that ran the check."""

    check: str
    kind: str
    severity: Severity
    evidence: Evidence
    explanation: str
    clause: str = ""
    score: float | None = None
    fix: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def with_clause(self, clause: str) -> Finding:
        """The same finding tied to a policy clause."""
        return replace(self, clause=clause)

    def with_severity(self, severity: Severity) -> Finding:
        """The same finding at another severity."""
        return replace(self, severity=severity)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out: dict[str, Any] = {
            "check": self.check,
            "kind": self.kind,
            "severity": self.severity,
            "clause": self.clause,
            "evidence": self.evidence.to_dict(),
            "explanation": self.explanation,
        }
        if self.score is not None:
            out["score"] = round(self.score, 4)
        if self.fix:
            out["fix"] = self.fix
        return out
