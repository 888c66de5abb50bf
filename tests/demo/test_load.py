"""`culturebridge demo` loads the whole pack: accounts, canon cards, works, lineage and media."""

from __future__ import annotations

from pathlib import Path

from culturebridge import catalog
from culturebridge.accounts import authenticate
from culturebridge.demo import load_pack
from culturebridge.demo.load import load_demo
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings


def test_the_demo_pack_loads_into_a_fresh_platform(tmp_path: Path) -> None:
    pack = load_pack()
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "culturebridge-demo")
    messages: list[str] = []
    summary = load_demo(platform, pack, progress=messages.append)
    assert summary.startswith(f"{len(pack.works)} works")
    with platform.db.read() as conn:
        works = {w.id: w for w in catalog.list_works(conn, limit=1000)}
        assert set(works) == {w.id for w in pack.works}
        assert {ip.name for ip in catalog.list_ips(conn)} >= {
            "journey-to-the-west", "three-kingdoms", "water-margin", "dream-of-the-red-chamber"}
        for work in pack.works:
            assets = catalog.list_assets(conn, work.id)
            # publishing in a market may add the labelled copy of an AI translation's files
            assert len(assets) >= len(work.media), work.id
            if work.derived_from:
                assert [d.source_id for d in catalog.sources_of(conn, work.id)] == [work.derived_from.work]
        from sqlalchemy import func, select

        from culturebridge.feed._tables import publications

        published = conn.execute(select(func.count()).select_from(publications)).scalar_one()
        assert published == sum(
            len(w.markets) for w in pack.works if w.derived_from is None or not w.derived_from.ai_generated
        )
        creator = pack.creators[0]
        assert authenticate(conn, creator.username, creator.password).role == "creator"
    chains = [w for w in pack.works if w.derived_from and any(
        o.id == w.derived_from.work and o.derived_from for o in pack.works)]
    assert chains, "the pack has at least one original -> adaptation -> translation chain"
    platform.close()
