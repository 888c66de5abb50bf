"""Every canon card in the demo pack validates against catalog.canon and is complete."""

from __future__ import annotations

from importlib.resources import files

import pytest
import yaml

from culturebridge.catalog.canon import CanonCard

IPS_DIR = files("culturebridge.demo") / "pack" / "ips"
CLASSICS = ("journey-to-the-west", "three-kingdoms", "water-margin", "dream-of-the-red-chamber")
LOCALES = {"en", "es", "fr", "ar", "th", "ms", "ja", "ko"}
CARD_NAMES = sorted(
    p.name.removesuffix(".yaml") for p in IPS_DIR.iterdir() if p.name.endswith(".yaml")
)


def _card(name: str) -> CanonCard:
    return CanonCard.from_dict(yaml.safe_load((IPS_DIR / f"{name}.yaml").read_text("utf-8")))


def test_pack_has_classics_childrens_and_modern() -> None:
    cards = [_card(n) for n in CARD_NAMES]
    assert set(CLASSICS) <= set(CARD_NAMES)
    assert sum(c.protection == "childrens" for c in cards) >= 1
    assert sum(c.protection == "modern" for c in cards) >= 2


@pytest.mark.parametrize("name", CARD_NAMES)
def test_card_validates_and_round_trips(name: str) -> None:
    card = _card(name)
    assert card.name == name
    assert CanonCard.from_dict(card.to_dict()) == card
    assert {"zh", "en"} <= set(card.titles)
    for ch in card.characters:
        assert {"zh", "en"} <= set(ch.names), ch.id
        for trait in ch.traits:
            assert {"zh", "en"} <= set(trait.opposites), (ch.id, trait.text)
    for fact in card.facts:
        assert {"zh", "en"} <= set(fact.text) and {"zh", "en"} <= set(fact.contradictions), fact.id


@pytest.mark.parametrize("name", CLASSICS)
def test_classic_is_deep_enough(name: str) -> None:
    card = _card(name)
    assert card.protection == "classic"
    assert 6 <= len(card.characters) <= 12
    assert 6 <= len(card.facts) <= 10
    assert card.era.start_year is not None and card.era.end_year is not None
    assert card.era.mythic == (name == "journey-to-the-west")
    for ch in card.characters:
        assert ch.aliases.get("zh") and ch.aliases.get("en") and ch.traits, ch.id
        # every main character's Chinese name has a rendering in every target locale
        assert LOCALES <= set(card.renderings[ch.names["zh"]]), ch.id
    for term, per_locale in card.renderings.items():
        assert LOCALES <= set(per_locale), term


def test_sun_wukong_aliases_and_motorcycle_opposite() -> None:
    card = _card("journey-to-the-west")
    wukong = card.character("sun-wukong")
    assert wukong is not None
    names = wukong.all_names()
    for alias in (
        "美猴王",
        "齐天大圣",
        "孙行者",
        "行者",
        "悟空",
        "Monkey King",
        "Great Sage Equal to Heaven",
    ):
        assert alias in names
    opposites = [o for t in wukong.traits for o in t.opposites.get("en", [])]
    assert "rides a motorcycle" in opposites
    assert (
        card.renderings["孙悟空"]["ko"] == "손오공" and card.renderings["孙悟空"]["ja"] == "孫悟空"
    )
