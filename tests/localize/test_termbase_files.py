from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from culturebridge.catalog import default_canon_dir, load_canon_dir
from culturebridge.errors import InvalidInput, IPNotFound, MalformedExchangeFile
from culturebridge.localize.glossary import Glossary
from culturebridge.localize.termbase_files import from_tbx, glossary_for, to_tbx


def test_tbx_export_reads_back(glossary: Glossary) -> None:
    data = to_tbx(glossary, ["en"])
    root = etree.fromstring(data)
    assert root.tag == "martif" and len(list(root.iter("termEntry"))) == len(glossary.terms)
    back = from_tbx(data, glossary.ip)
    bang = back.term("金箍棒")
    assert bang is not None and bang.rendering("en").text == "Ruyi Jingu Bang"  # type: ignore[union-attr]
    assert bang.rendering("en").forbidden == ("golden hoop stick",)  # type: ignore[union-attr]


def test_tbx_garbage_is_a_clear_error() -> None:
    with pytest.raises(MalformedExchangeFile):
        from_tbx(b"<martif><text>", "x")
    with pytest.raises(MalformedExchangeFile):
        from_tbx(b"<martif/>", "x")


def test_glossary_for_reads_canon_dir_and_overlay(canon_dir: Path) -> None:
    (canon_dir / "journey-to-the-west.termbase.json").write_text(
        '{"ip": "journey-to-the-west", "terms": [{"source": "紧箍咒", "renderings": {"en": {"text": "Tight-Fillet Spell"}}}]}',
        encoding="utf-8")
    g = glossary_for("journey-to-the-west", canon_dir)
    assert g.term("孙悟空") is not None and g.term("紧箍咒") is not None
    with pytest.raises(IPNotFound):
        glossary_for("no-such-ip", canon_dir)


def test_broken_card_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match="bad.yaml"):
        load_canon_dir(tmp_path)


def test_demo_pack_seeds_glossaries() -> None:
    cards = load_canon_dir(default_canon_dir())
    assert "journey-to-the-west" in cards
    g = glossary_for("journey-to-the-west")
    assert g.term("孙悟空").rendering("en").text == "Sun Wukong"  # type: ignore[union-attr]
