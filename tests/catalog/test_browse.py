from __future__ import annotations

import pytest

from culturebridge import catalog
from culturebridge.catalog import NewWork, WorkFilter, browse_works, check_filter
from culturebridge.catalog.search import MAX_EXPANSIONS, expand, index_terms, query_terms
from culturebridge.errors import InvalidInput
from culturebridge.jobs import STATES, in_state
from culturebridge.pipeline import STAGES, set_status
from culturebridge.storage import Database
from tests.factories import make_user, make_work


def test_chinese_is_segmented_so_words_inside_titles_are_found() -> None:
    terms = index_terms(["三打白骨精：孙悟空识破妖精", "The Monkey King sees through the demon"])
    assert {"白骨精", "孙悟空", "悟空", "monkey", "demon"} <= terms
    assert query_terms("  孙悟空 AND Monkey!! ") == ["孙悟空", "and", "monkey"]
    assert query_terms("'; DROP TABLE works; --") == ["drop", "table", "works"]
    assert len(query_terms("词 " * 500)) <= 8


def test_search_filters_and_pages_in_every_language(database: Database) -> None:
    with database.write() as conn:
        mei, bo, admin = make_user(conn, "mei"), make_user(conn, "bo"), make_user(conn, "root", "admin")
        monkey = catalog.create_work(conn, mei, NewWork(
            "video", "zh", {"zh": "三打白骨精", "en": "Three Battles with the White Bone Demon"},
            {"zh": "孙悟空识破白骨精", "en": "The Monkey King sees through the demon"}, markets=["US/en", "TH/th"],
            ai_generated=True))
        papercut = make_work(conn, mei, "蔚县剪纸")
        opera = make_work(conn, bo, "京剧脸谱", kind="image")
        set_status(conn, papercut.id, "rights", "done", "entry 0")
    with database.read() as conn:
        def ids(f: WorkFilter, who: object = admin) -> set[str]:
            narrow = (lambda column: in_state(column, f.stage, f.state)) if f.stage else None
            return {w.id for w in browse_works(conn, who, f, in_state=narrow).works}  # type: ignore[arg-type]

        assert ids(WorkFilter(query="悟空")) == {monkey.id}
        assert ids(WorkFilter(query="monkey DEMON")) == {monkey.id}
        assert ids(WorkFilter(query="monk dem")) == {monkey.id}  # words of 3+ letters match as prefixes
        assert ids(WorkFilter(query="mo")) == set()  # shorter ones only whole
        assert ids(WorkFilter(query="monkeys")) == set()  # a prefix of nothing stored
        assert ids(WorkFilter(query="悟")) == set()  # Chinese matches whole segmented words
        assert ids(WorkFilter(query="剪纸")) == {papercut.id}
        assert ids(WorkFilter(query="synopsis")) == {papercut.id, opera.id}
        assert ids(WorkFilter(query="synopsis", owner="bo")) == {opera.id}
        assert ids(WorkFilter(kind="image")) == {opera.id}
        assert ids(WorkFilter(ai="yes")) == {monkey.id}
        assert ids(WorkFilter(ai="no")) == {papercut.id, opera.id}
        assert ids(WorkFilter(market="TH/th")) == {monkey.id}
        assert ids(WorkFilter(ip="none")) == {monkey.id, papercut.id, opera.id}
        assert ids(WorkFilter(ip="no-such-ip")) == set()
        assert ids(WorkFilter(stage="rights", state="done")) == {papercut.id}
        assert ids(WorkFilter(stage="rights", state="pending")) == {monkey.id, opera.id}
        assert ids(WorkFilter(), bo) == {opera.id}  # creators see their own works only
        assert ids(WorkFilter(query="'; drop table works; --")) == set()
        assert ids(WorkFilter(query="%_\\")) == set()  # punctuation only: nothing, no error
        assert catalog.count_works(conn) == 3


def test_keyset_pages_walk_every_work_once_in_each_order(database: Database) -> None:
    with database.write() as conn:
        owner = make_user(conn, "maker")
        made = [make_work(conn, owner, f"作品{i:02d}").id for i in range(23)]
    with database.read() as conn:
        for sort in catalog.SORTS:
            seen: list[str] = []
            after = None
            while True:
                page = browse_works(conn, owner, WorkFilter(), sort=sort, after=after, limit=5)
                seen += [w.id for w in page.works]
                if page.next_cursor is None:
                    break
                after = page.next_cursor
            assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)), sort
        titles = [w.title() for w in browse_works(conn, owner, WorkFilter(), sort="title", limit=3).works]
        assert titles == ["作品00", "作品01", "作品02"]
        newest = browse_works(conn, owner, WorkFilter(), sort="newest", limit=1).works[0]
        assert newest.id == made[-1]
        for bad in ("garbage", "x" * 5000, catalog.browse_works(conn, owner, WorkFilter(), sort="title", limit=1).next_cursor):
            with pytest.raises(InvalidInput, match="page link"):
                browse_works(conn, owner, WorkFilter(), sort="newest", after=bad)
        with pytest.raises(InvalidInput, match="sort"):
            browse_works(conn, owner, WorkFilter(), sort="random")


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (WorkFilter(query="x" * 201), "longer than 200"),
        (WorkFilter(kind="poem"), "kind 'poem'"),
        (WorkFilter(market="America"), "COUNTRY/language"),
        (WorkFilter(ai="maybe"), "AI filter"),
        (WorkFilter(stage="rights"), "together"),
        (WorkFilter(stage="x", state="done"), "stage 'x'"),
        (WorkFilter(owner="a' OR 1=1 --"), "not a name"),
    ],
)
def test_bad_filters_get_a_clear_message(f: WorkFilter, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_filter(f, stages=STAGES, states=STATES)


def test_a_prefix_expands_into_the_words_it_begins_up_to_a_limit(database: Database) -> None:
    with database.write() as conn:
        mei = make_user(conn, "mei")
        few = make_work(conn, mei, "monkey monks monastery")
        many = make_work(conn, mei, " ".join(f"lamp{i:02d}" for i in range(MAX_EXPANSIONS + 1)))
    with database.read() as conn:
        assert expand(conn, "mon") == ["mon", "monastery", "monkey", "monks"]
        assert expand(conn, "lamp") == ["lamp"]  # begins more words than the limit: only itself
        assert expand(conn, "悟空") == ["悟空"]
        assert {w.id for w in browse_works(conn, mei, WorkFilter(query="monas")).works} == {few.id}
        assert {w.id for w in browse_works(conn, mei, WorkFilter(query="lamp07")).works} == {many.id}
