from __future__ import annotations

import pytest

from culturebridge import catalog
from culturebridge.errors import Conflict, InvalidInput, LineageCycle, WorkNotFound
from culturebridge.storage import Database
from tests.factories import make_user, make_work


def test_chain_ancestors_descendants_and_layout(database: Database) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        original = make_work(conn, owner, "西游记")
        adaptation = make_work(conn, owner, "AI 西游", ai_generated=True)
        english = make_work(conn, owner, "Journey (AI)", ai_generated=True)
        sibling = make_work(conn, owner, "摘录")
        catalog.add_derivation(conn, owner, original.id, adaptation.id, "ai-adaptation", "model-x", True)
        catalog.add_derivation(conn, owner, adaptation.id, english.id, "translation", "mt", True)
        catalog.add_derivation(conn, owner, original.id, sibling.id, "excerpt")
    with database.read() as conn:
        graph = catalog.lineage(conn, adaptation.id)
        assert catalog.ancestors_of(conn, english.id) == [adaptation.id, original.id]
        assert [d.source_id for d in catalog.sources_of(conn, english.id)] == [adaptation.id]
    assert set(graph.works) == {original.id, adaptation.id, english.id, sibling.id}
    assert graph.ancestors() == [original.id]
    assert graph.descendants() == [english.id]
    columns = {p.work_id: p.column for p in catalog.layout(graph)}
    assert columns == {original.id: 0, adaptation.id: 1, sibling.id: 1, english.id: 2}


def test_cycles_self_edges_duplicates_and_bad_kinds_are_refused(database: Database) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        a, b, c = (make_work(conn, owner, t) for t in ("甲", "乙", "丙"))
        catalog.add_derivation(conn, owner, a.id, b.id, "remix")
        catalog.add_derivation(conn, owner, b.id, c.id, "remix")
        with pytest.raises(LineageCycle):
            catalog.add_derivation(conn, owner, c.id, a.id, "remix")
        with pytest.raises(LineageCycle):
            catalog.add_derivation(conn, owner, a.id, a.id, "remix")
        with pytest.raises(Conflict):
            catalog.add_derivation(conn, owner, a.id, b.id, "remix")
        with pytest.raises(InvalidInput):
            catalog.add_derivation(conn, owner, a.id, c.id, "fan-fiction")
        with pytest.raises(WorkNotFound):
            catalog.add_derivation(conn, owner, "w-nope", c.id, "remix")
    with database.read() as conn:
        assert len(catalog.lineage(conn, a.id).edges) == 2
