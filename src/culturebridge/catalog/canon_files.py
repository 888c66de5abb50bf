"""Canon cards in files: one card per YAML or JSON file, a folder of them per collection.

The one loader every stage uses (the catalog's database is the platform's copy; files are
how cards are written, reviewed and shipped with the demo pack).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import CanonCardInvalid, ConfigurationError, InvalidInput

CARD_SUFFIXES = (".yaml", ".yml", ".json")
_OVERLAY_SUFFIX = ".termbase.json"  # glossary overlays beside the cards, not cards


def default_canon_dir() -> Path:
    """The demo pack's IP folder that ships with culturebridge."""
    return Path(str(resources.files("culturebridge") / "demo" / "pack" / "ips"))


def load_canon_file(path: Path) -> CanonCard:
    """Read and validate one canon card file (YAML, or JSON by its `.json` suffix)."""
    try:
        raw = path.read_text(encoding="utf-8")
        data: Any = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise CanonCardInvalid(f"canon card {path}: cannot read ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise CanonCardInvalid(f"canon card {path}: expected a mapping at the top")
    try:
        return CanonCard.from_dict(data)
    except InvalidInput as exc:
        raise CanonCardInvalid(f"{path}: {exc.message}", hint="fix the card file") from exc


def load_canon_dir(path: Path | str) -> dict[str, CanonCard]:
    """Every canon card in a folder, by IP name; raise on a bad card or an IP defined twice."""
    folder = Path(path)
    if not folder.is_dir():
        raise ConfigurationError(f"canon directory {folder} does not exist", hint="pass --canon-dir DIR")
    cards: dict[str, CanonCard] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix not in CARD_SUFFIXES or file.name.endswith(_OVERLAY_SUFFIX):
            continue
        card = load_canon_file(file)
        if card.name in cards:
            raise CanonCardInvalid(f"canon card {file}: IP {card.name!r} is defined twice in {folder}")
        cards[card.name] = card
    return cards
