"""Canon cards from a folder of `<name>.yaml` files (the database takes over later)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import CanonCardInvalid, ConfigurationError, InvalidInput


def default_canon_dir() -> Path:
    """The demo pack's IP folder that ships with culturebridge."""
    return Path(str(resources.files("culturebridge") / "demo" / "pack" / "ips"))


def load_canon_file(path: Path) -> CanonCard:
    """Read and validate one canon card file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CanonCardInvalid(f"canon card {path}: cannot read ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise CanonCardInvalid(f"canon card {path}: expected a mapping at the top")
    try:
        return CanonCard.from_dict(data)
    except InvalidInput as exc:
        raise CanonCardInvalid(f"{path}: {exc.message}", hint="fix the card file") from exc


def load_canon_dir(path: Path | str) -> dict[str, CanonCard]:
    """Every `*.yaml` canon card in a folder, by IP name; raise on a bad card."""
    folder = Path(path)
    if not folder.is_dir():
        raise ConfigurationError(f"canon directory {folder} does not exist", hint="pass --canon-dir DIR")
    cards: dict[str, CanonCard] = {}
    for file in sorted(folder.glob("*.y*ml")):
        card = load_canon_file(file)
        if card.name in cards:
            raise CanonCardInvalid(f"canon card {file}: IP {card.name!r} is defined twice in {folder}")
        cards[card.name] = card
    return cards
