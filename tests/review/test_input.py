from __future__ import annotations

import time

import pytest

from culturebridge.errors import (
    CanonCardInvalid,
    CanonCardNotFound,
    ConfigurationError,
    ReviewTextInvalid,
)
from culturebridge.review import Reviewer, ReviewItem, load_canon_dir
from culturebridge.review._matching import fold


def test_empty_huge_and_binary_text_are_clear_errors(nrta: Reviewer) -> None:
    with pytest.raises(ReviewTextInvalid, match="empty"):
        nrta.review(ReviewItem(ip="river-oath", text=" \n "))
    started = time.perf_counter()
    with pytest.raises(ReviewTextInvalid, match="review limit"):
        nrta.review(ReviewItem(ip="river-oath", text="赵明守城。" * 210_000))  # ~1 MB of UTF-8
    assert time.perf_counter() - started < 5  # refused up front, not after processing
    with pytest.raises(ReviewTextInvalid, match="NUL"):
        nrta.review(ReviewItem(ip="river-oath", text="abc\x00def"))
    with pytest.raises(ReviewTextInvalid, match="language"):
        nrta.review(ReviewItem(ip="river-oath", text="abc", lang="fr"))


def test_long_text_under_the_limit_is_processed(nrta: Reviewer) -> None:
    text = "赵明守城，魏澜出谋划策。Zhao Ming guards the walls at night. " * 2500  # ~130k chars
    decision = nrta.review(ReviewItem(ip="river-oath", text=text + "General Zhao betrayed his sworn brother."))
    assert decision.decision == "reject"


def test_mixed_scripts_and_unknown_ip(nrta: Reviewer) -> None:
    mixed = "赵明 rides a 摩托车 into battle, Ziming الحصان 🐎 " + "\u202e" + "reversed" + "\u202c" + " text."
    decision = nrta.review(ReviewItem(ip="river-oath", text=mixed))
    assert decision.decision in ("review", "reject")
    with pytest.raises(CanonCardNotFound):
        nrta.review(ReviewItem(ip="unknown-ip", text="x"))


def test_fold_keeps_length_for_every_script() -> None:
    for text in ("趙雲騎馬", "İSTANBUL ß ǅ", "Zhao 明 😀 x", "乾隆皇帝與後宮"):
        assert len(fold(text)) == len(text)


def test_bad_canon_dirs(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    with pytest.raises(ConfigurationError):
        load_canon_dir(folder / "missing")
    (folder / "bad.yaml").write_text("name: Not A Slug\ntitles: {en: x}\n", encoding="utf-8")
    with pytest.raises(CanonCardInvalid, match="bad.yaml"):
        load_canon_dir(folder)
