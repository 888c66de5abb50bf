"""The copy monitor on the demo pack: no two different works match, every planted copy is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.demo import load_pack
from culturebridge.demo.distinct import cross_matches, planted_copies, related


def test_planted_copies_are_named_and_copy_unrelated_works() -> None:
    pack = load_pack()
    copies = planted_copies(pack)
    assert len(copies) == 3
    owners = {w.id: w.creator for w in pack.works}
    for name, source in copies.items():
        holder = next(w.id for w in pack.works if any(s.name == name for s in w.media))
        assert owners[holder] != owners[source] and not related(pack, holder, source), name


@pytest.mark.slow
def test_only_planted_copies_match_across_works(tmp_path: Path) -> None:
    pack = load_pack()
    found = cross_matches(pack, tmp_path / "cache")
    false_alarms = [m for m in found if not m.planted]
    assert false_alarms == [], false_alarms
    copies = planted_copies(pack)
    holders = {next(w.id for w in pack.works if any(s.name == n for s in w.media)): src for n, src in copies.items()}
    assert {(m.work, m.other) for m in found} == set(holders.items())
