"""The `Check` protocol and the context every check runs in.

A check is a small object built from a policy's parameters; `run(context)` returns
findings without a clause (the policy ties them to its clauses). The context carries the
item, its canon card, the folded fields (computed once) and the optional models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import PolicyInvalid
from culturebridge.review._matching import fold
from culturebridge.review.findings import Field, Finding, ReviewItem
from culturebridge.review.models import Models


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the item, its canon card, folded text, models."""

    item: ReviewItem
    card: CanonCard | None
    models: Models = field(default_factory=Models.none)
    folded: Mapping[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, compare=False)
    # Findings of the checks that ran before this one on the item (the learned signal reads them).
    earlier: list[Finding] = field(default_factory=list, compare=False)

    @classmethod
    def build(cls, item: ReviewItem, card: CanonCard | None, models: Models, cache: dict[str, Any]) -> CheckContext:
        """A context with the title and text folded once for every check."""
        return cls(item, card, models, {"title": fold(item.title), "text": fold(item.text)}, cache)

    def fields(self) -> Iterator[tuple[Field, str, str]]:
        """(field name, original, folded) for the non-empty text fields."""
        for name in ("title", "text"):
            original = self.item.title if name == "title" else self.item.text
            if original.strip():
                yield name, original, self.folded.get(name) or fold(original)


class Check(Protocol):
    name: str

    def run(self, context: CheckContext) -> list[Finding]: ...


CheckFactory = Callable[[Mapping[str, Any]], Check]


class Params:
    """Typed reads of a check's parameters that reject unknown keys and bad values."""

    def __init__(self, check: str, raw: Mapping[str, Any]) -> None:
        self._check = check
        self._raw = dict(raw)
        self._seen: set[str] = set()

    def number(self, key: str, default: float, *, low: float = 0.0, high: float = 1.0) -> float:
        """A number in [low, high]."""
        self._seen.add(key)
        value = self._raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise PolicyInvalid(f"check {self._check}: {key} must be a number in [{low}, {high}], got {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean."""
        self._seen.add(key)
        value = self._raw.get(key, default)
        if not isinstance(value, bool):
            raise PolicyInvalid(f"check {self._check}: {key} must be true or false, got {value!r}")
        return value

    def done(self) -> None:
        """Raise if the policy set a parameter this check does not know."""
        unknown = sorted(set(self._raw) - self._seen)
        if unknown:
            raise PolicyInvalid(f"check {self._check}: unknown parameter(s) {', '.join(unknown)}")
