from __future__ import annotations

from typing import Any

import pytest

from culturebridge import catalog
from culturebridge.catalog import CanonCard
from culturebridge.errors import Conflict, InvalidInput, PermissionDenied
from culturebridge.storage import Database
from tests.factories import make_user

CARD: dict[str, Any] = {
    "name": "journey-to-the-west",
    "titles": {"zh": "西游记", "en": "Journey to the West"},
    "protection": "classic",
    "era": {"label": {"zh": "唐代", "en": "Tang dynasty"}, "start_year": 627, "end_year": 649, "mythic": True},
    "characters": [
        {
            "id": "sun-wukong",
            "names": {"zh": "孙悟空", "en": "Sun Wukong"},
            "aliases": {"zh": ["美猴王", "齐天大圣"], "en": ["Monkey King"]},
            "traits": [{"text": {"en": "loyal to his master"}, "opposites": {"en": ["betrays his master"]}}],
        }
    ],
    "facts": [{"id": "journey-west", "text": {"en": "The pilgrims travel west for scriptures."}}],
    "renderings": {"孙悟空": {"en": "Sun Wukong", "ko": "손오공"}},
}


def test_card_round_trips_through_plain_data() -> None:
    card = CanonCard.from_dict(CARD)
    assert CanonCard.from_dict(card.to_dict()) == card
    wukong = card.character("sun-wukong")
    assert wukong is not None and wukong.all_names("zh") == ["孙悟空", "美猴王", "齐天大圣"]
    assert card.era.mythic and card.renderings["孙悟空"]["ko"] == "손오공"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"name": "Journey To The West"}, "name: .* is not a slug"),
        ({"protection": "sacred"}, "protection"),
        ({"titles": {}}, "titles: needs text"),
        ({"era": {"label": {"en": "Tang"}, "start_year": "627"}}, "era.start_year"),
        ({"characters": [{"id": "x", "names": {"en": "X"}}, {"id": "x", "names": {"en": "Y"}}]}, "duplicate"),
        ({"characters": [{"id": "x", "names": {"en": ""}}]}, r"characters\[0\].names.en"),
        ({"facts": "not a list"}, "facts: expected a list"),
    ],
)
def test_malformed_cards_name_the_field(patch: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        CanonCard.from_dict({**CARD, **patch})


def test_ip_store_and_edit_rights(database: Database) -> None:
    card = CanonCard.from_dict(CARD)
    with database.write() as conn:
        creator, reviewer = make_user(conn, "maker"), make_user(conn, "rita", "reviewer")
        with pytest.raises(PermissionDenied):
            catalog.add_ip(conn, creator, card)
        ip = catalog.add_ip(conn, reviewer, card)
        with pytest.raises(Conflict):
            catalog.add_ip(conn, reviewer, card)
        edited = CanonCard.from_dict({**CARD, "protection": "childrens"})
        catalog.update_canon(conn, reviewer, "journey-to-the-west", edited)
        with pytest.raises(Conflict):
            catalog.update_canon(conn, reviewer, "journey-to-the-west", CanonCard.from_dict({**CARD, "name": "other"}))
    with database.read() as conn:
        assert catalog.get_ip(conn, "journey-to-the-west").canon.protection == "childrens"
        assert catalog.get_ip_by_id(conn, ip.id).name == ip.name
        assert [i.name for i in catalog.list_ips(conn)] == ["journey-to-the-west"]
