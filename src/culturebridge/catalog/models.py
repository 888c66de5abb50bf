"""The catalog's values: works, assets, IPs and derivation edges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from culturebridge.catalog.canon import CanonCard

WorkKind = Literal["story", "image", "audio", "video", "heritage", "micro-drama-episode"]
WORK_KINDS: tuple[WorkKind, ...] = ("story", "image", "audio", "video", "heritage", "micro-drama-episode")

DerivationKind = Literal["ai-adaptation", "translation", "excerpt", "remix"]
DERIVATION_KINDS: tuple[DerivationKind, ...] = ("ai-adaptation", "translation", "excerpt", "remix")


@dataclass(frozen=True)
class Work:
    id: str
    kind: WorkKind
    original_language: str
    titles: dict[str, str]
    synopses: dict[str, str]
    owner_id: str
    rights_holder: str
    ip_id: str | None
    markets: tuple[str, ...]
    ai_generated: bool
    created_at: datetime
    updated_at: datetime

    def title(self, lang: str | None = None) -> str:
        """The title in `lang`, else in the original language, else any."""
        for key in (lang, self.original_language):
            if key and key in self.titles:
                return self.titles[key]
        return next(iter(self.titles.values()), self.id)

    def synopsis(self, lang: str | None = None) -> str:
        for key in (lang, self.original_language):
            if key and key in self.synopses:
                return self.synopses[key]
        return next(iter(self.synopses.values()), "")


@dataclass(frozen=True)
class Asset:
    id: str
    work_id: str
    sha256: str
    media_type: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    storage_key: str
    original_name: str
    created_at: datetime


@dataclass(frozen=True)
class IP:
    id: str
    name: str
    canon: CanonCard
    created_at: datetime
    updated_at: datetime

    @property
    def titles(self) -> dict[str, str]:
        return self.canon.titles


@dataclass(frozen=True)
class Derivation:
    id: str
    source_id: str
    derived_id: str
    kind: DerivationKind
    tool: str | None
    ai_generated: bool
    created_at: datetime
