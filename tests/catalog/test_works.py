from __future__ import annotations

import pytest

from culturebridge import catalog
from culturebridge.catalog import NewWork
from culturebridge.errors import InvalidInput, IPNotFound, PermissionDenied, WorkNotFound
from culturebridge.storage import Database
from tests.factories import make_user, make_work


def test_create_read_search_and_update(database: Database) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        work = make_work(conn, owner, "皮影戏", ai_generated=True)
        make_work(conn, owner, "昆曲")
    with database.read() as conn:
        assert catalog.get_work(conn, work.id) == work
        assert work.title("en") == "皮影戏 (en)" and work.title("fr") == "皮影戏"
        assert [w.id for w in catalog.list_works(conn, query="皮影")] == [work.id]
        assert [w.id for w in catalog.list_works(conn, query="SYNOPSIS 皮影")] == [work.id]  # case-folded, all terms
        assert catalog.list_works(conn, query="100%_") == []  # LIKE wildcards are literal
        assert catalog.count_works(conn) == 2
    with database.write() as conn:
        changed = catalog.update_work(
            conn, owner, work.id, NewWork("heritage", "zh", {"zh": "皮影"}, {}, markets=["FR/fr"])
        )
    assert changed.titles == {"zh": "皮影"} and changed.markets == ("FR/fr",)
    assert changed.rights_holder == work.rights_holder and changed.updated_at >= work.updated_at


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (NewWork("poem", "zh", {"zh": "x"}, {}), "kind 'poem'"),
        (NewWork("story", "Chinese!", {"zh": "x"}, {}), "language tag"),
        (NewWork("story", "zh", {}, {}), "needs a title"),
        (NewWork("story", "zh", {"zh": "  "}, {}), "needs a title"),
        (NewWork("story", "zh", {"zh": "x" * 301}, {}), "longer than 300"),
        (NewWork("story", "zh", {"zh": "x"}, {}, markets=["America"]), "COUNTRY/language"),
    ],
)
def test_invalid_works_name_the_field(database: Database, new: NewWork, message: str) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        with pytest.raises(InvalidInput, match=message):
            catalog.create_work(conn, owner, new)


def test_unknown_ip_is_named(database: Database) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        with pytest.raises(IPNotFound, match="no-such-ip"):
            catalog.create_work(conn, owner, NewWork("story", "zh", {"zh": "x"}, {}, ip_name="no-such-ip"))


def test_creators_see_and_change_only_their_own_works(database: Database) -> None:
    with database.write() as conn:
        alice, bob = make_user(conn, "alice"), make_user(conn, "bob")
        reviewer, admin = make_user(conn, "rita", "reviewer"), make_user(conn, "root", "admin")
        mine = make_work(conn, alice, "剪纸")
        make_work(conn, bob, "灯会")
    with database.read() as conn:
        assert [w.id for w in catalog.list_works(conn, alice)] == [mine.id]
        assert len(catalog.list_works(conn, reviewer)) == 2
        with pytest.raises(WorkNotFound):
            catalog.require_viewer(bob, mine)
        catalog.require_viewer(reviewer, mine)
    with database.write() as conn:
        with pytest.raises(WorkNotFound):
            catalog.update_work(conn, bob, mine.id, NewWork("story", "zh", {"zh": "stolen"}, {}))
        with pytest.raises(PermissionDenied):
            catalog.update_work(conn, reviewer, mine.id, NewWork("story", "zh", {"zh": "x"}, {}))
        with pytest.raises(PermissionDenied):
            make_work(conn, reviewer, "x")
        catalog.update_work(conn, admin, mine.id, NewWork("heritage", "zh", {"zh": "剪纸艺术"}, {}))
    with database.read() as conn:
        assert catalog.get_work(conn, mine.id).titles == {"zh": "剪纸艺术"}
