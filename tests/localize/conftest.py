"""Fixtures for the localize tests: canon cards on disk and a tiny CTranslate2 model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from culturebridge.catalog.canon import CanonCard
from culturebridge.localize.glossary import Glossary, Rendering, Term

CARD = {
    "name": "journey-to-the-west",
    "titles": {"zh": "西游记", "en": "Journey to the West"},
    "protection": "classic",
    "characters": [
        {"id": "sun-wukong", "names": {"zh": "孙悟空", "en": "Sun Wukong"},
         "aliases": {"zh": ["美猴王", "悟空"], "en": ["Monkey King", "Wukong"]}},
        {"id": "zhu-bajie", "names": {"zh": "猪八戒", "en": "Zhu Bajie", "es": "Zhu Bajie"},
         "aliases": {"zh": ["八戒"], "en": ["Pigsy"]}},
    ],
    "renderings": {"美猴王": {"en": "Monkey King"}, "筋斗云": {"en": "somersault cloud"},
                   "花果山": {"en": "Mountain of Flowers and Fruit"}},
}


@pytest.fixture()
def card() -> CanonCard:
    return CanonCard.from_dict(CARD)


@pytest.fixture()
def glossary(card: CanonCard) -> Glossary:
    # Canon-seeded terms plus one curated term with a forbidden variant (termbase overlay).
    extra = Glossary("journey-to-the-west", "zh", (
        Term("金箍棒", {"en": Rendering("Ruyi Jingu Bang", forbidden=("golden hoop stick",))}),))
    return Glossary.from_canon(card).merged(extra)


@pytest.fixture()
def canon_dir(tmp_path: Path) -> Path:
    import yaml

    folder = tmp_path / "ips"
    folder.mkdir()
    (folder / "journey-to-the-west.yaml").write_text(yaml.safe_dump(CARD, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Marian zh->en model converted to CTranslate2, built once per session."""
    out = tmp_path_factory.mktemp("tiny_marian")
    script = Path(__file__).with_name("tiny_marian.py")
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300,
                          check=False)
    if done.returncode != 0:
        pytest.fail(f"building the tiny model failed (pip install torch==2.13.0 transformers):\n{done.stderr[-2000:]}")
    return out / "ct2"
