"""Translation memory in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.localize.memory import TranslationMemory
from culturebridge.localize.memory_store import count_entries, import_memory, load_memory, remember
from culturebridge.storage import Database


def test_newest_wins_per_normalised_source_and_scopes_are_separate(database: Database) -> None:
    with database.write() as conn:
        remember(conn, "jttw", "zh", "en", "孙悟空笑了。", "Sun Wukong laughed.", "human")
        remember(conn, "jttw", "zh", "en", "孙悟空笑了。 ", "Sun Wukong smiled.", "human")
        remember(conn, "jttw", "zh", "fr", "孙悟空笑了。", "Sun Wukong rit.")
        remember(conn, None, "zh", "en", "你好", "Hello")
    with database.read() as conn:
        tm = load_memory(conn, "jttw", "zh", "en")
        assert count_entries(conn, "jttw", "zh", "en") == 1
        assert count_entries(conn, None, "zh", "en") == 1
    hit = tm.exact("孙悟空笑了。")
    assert hit is not None and hit.target == "Sun Wukong smiled."
    assert tm.lookup("孙悟空笑了")[0].score > 75


def test_import_counts_new_keys_and_refuses_empty_pairs(database: Database) -> None:
    data = TranslationMemory("jttw", "zh", "en")
    data.add("甲。", "A.", "tmx")
    data.add("乙。", "B.", "tmx")
    with database.write() as conn:
        assert import_memory(conn, data) == 2
        assert import_memory(conn, data) == 0
        with pytest.raises(InvalidInput):
            remember(conn, "jttw", "zh", "en", "丙。", "  ")
