"""IP glossaries in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from culturebridge import catalog
from culturebridge.accounts import create_user
from culturebridge.catalog import CanonCard
from culturebridge.errors import InvalidInput, IPNotFound
from culturebridge.localize.glossary import Rendering, Term
from culturebridge.localize.glossary_store import (
    save_term,
    seed_glossary,
    stored_glossary,
    term_origins,
)
from culturebridge.storage import Database
from tests.localize.conftest import CARD


def test_seed_keeps_curated_terms_and_follows_canon_edits(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "admin", "password-admin", "admin")
        catalog.add_ip(conn, admin, CanonCard.from_dict(CARD))
        # Before seeding, the glossary is the canon card's seed, not yet stored.
        assert stored_glossary(conn, "journey-to-the-west").term("孙悟空") is not None
        assert term_origins(conn, "journey-to-the-west") == {}
        count = seed_glossary(conn, "journey-to-the-west")
        assert count == len(term_origins(conn, "journey-to-the-west")) > 3
        save_term(conn, "journey-to-the-west", Term("筋斗云", {"en": Rendering("cloud somersault", forbidden=("flip cloud",))}))
        card = dict(CARD, renderings={**CARD["renderings"], "花果山": {"en": "Flower-Fruit Mountain"}})  # type: ignore[dict-item]
        catalog.update_canon(conn, admin, "journey-to-the-west", CanonCard.from_dict(card))
        seed_glossary(conn, "journey-to-the-west")
        glossary = stored_glossary(conn, "journey-to-the-west")
        origins = term_origins(conn, "journey-to-the-west")
    cloud, mountain = glossary.term("筋斗云"), glossary.term("花果山")
    assert cloud is not None and cloud.renderings["en"] == Rendering("cloud somersault", forbidden=("flip cloud",))
    assert mountain is not None and mountain.renderings["en"].text == "Flower-Fruit Mountain"
    assert origins["筋斗云"] == "curated" and origins["花果山"] == "canon"
    wukong = glossary.term("孙悟空")
    assert wukong is not None and wukong.strategy == "transliterate+gloss"
    assert wukong.renderings["en"].first_mention == "Sun Wukong (Monkey King)"


def test_bad_terms_and_unknown_ips_are_refused(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "admin", "password-admin", "admin")
        catalog.add_ip(conn, admin, CanonCard.from_dict(CARD))
        with pytest.raises(InvalidInput, match="1-200"):
            save_term(conn, "journey-to-the-west", Term(" ", {}))
        with pytest.raises(IPNotFound):
            seed_glossary(conn, "no-such-ip")


def test_ensure_seeds_once_and_follows_canon_edits(database: Database) -> None:
    from culturebridge.localize.glossary_store import ensure_glossary

    with database.write() as conn:
        admin = create_user(conn, "admin", "password-admin", "admin")
        catalog.add_ip(conn, admin, CanonCard.from_dict(CARD))
        assert term_origins(conn, "journey-to-the-west") == {}
        first = ensure_glossary(conn, "journey-to-the-west")
        assert term_origins(conn, "journey-to-the-west") and first.term("花果山") is not None
    with database.write() as conn:
        card = dict(CARD, renderings={**CARD["renderings"], "花果山": {"en": "Flower-Fruit Mountain"}})  # type: ignore[dict-item]
        catalog.update_canon(conn, admin, "journey-to-the-west", CanonCard.from_dict(card))
    with database.write() as conn:
        mountain = ensure_glossary(conn, "journey-to-the-west").term("花果山")
    assert mountain is not None and mountain.renderings["en"].text == "Flower-Fruit Mountain"
