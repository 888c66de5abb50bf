"""Text fingerprints: Chinese and English copies, traditional script, light edits, spans."""

from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput, MalformedFingerprint
from culturebridge.fingerprint.text import (
    TextFingerprint,
    compare_texts,
    fingerprint_text,
    shingle_size,
    simhash64,
    tokenize,
)

LEGEND = (
    "白娘子与许仙的故事流传千年。西湖断桥之上，两人借伞结缘，从此演绎出一段人妖相恋的传奇。"
    "法海和尚认定白娘子是妖，屡次阻挠，最终水漫金山，白娘子被压在雷峰塔下。"
)
TRADITIONAL = (
    "白娘子與許仙的故事流傳千年。西湖斷橋之上，兩人借傘結緣，從此演繹出一段人妖相戀的傳奇。"
)
UNRELATED = (
    "今天天气很好，我们去公园散步，看到很多人在放风筝，孩子们在草地上奔跑，老人们在树下下棋聊天。"
)
ENGLISH = (
    "The Butterfly Lovers is a Chinese legend of a tragic love story between Liang Shanbo and "
    "Zhu Yingtai, whose names are often used as a metaphor for lovers. At the end of the story, "
    "the lovers turn into butterflies and fly away together."
)


def test_exact_copy_is_a_near_duplicate() -> None:
    ref = fingerprint_text(LEGEND)
    result = compare_texts(fingerprint_text(LEGEND), ref)
    assert result.simhash_distance == 0 and result.score == 1.0 and result.is_match


def test_traditional_script_copy_matches_simplified_source() -> None:
    result = compare_texts(fingerprint_text(TRADITIONAL), fingerprint_text(LEGEND))
    assert result.is_match and result.containment == 1.0
    (span,) = result.spans
    assert TRADITIONAL[span.query_start : span.query_end].startswith("娘子與許仙")
    assert LEGEND[span.reference_start : span.reference_end].startswith("娘子与许仙")


def test_lightly_edited_passage_inside_other_text_is_found_with_spans() -> None:
    edited = "西湖断桥之上，两人借伞结缘，从此演绎出一段人与妖相恋的传奇。法海和尚认定白娘子是妖怪，屡次阻挠。"
    query = "序言：" + UNRELATED + edited + "完。"
    result = compare_texts(fingerprint_text(query), fingerprint_text(LEGEND))
    assert result.is_match and result.simhash_distance > 3
    (span,) = result.spans
    start = len("序言：" + UNRELATED)
    assert start <= span.query_start <= start + 8
    assert "借伞结缘" in query[span.query_start : span.query_end]
    assert "借伞结缘" in LEGEND[span.reference_start : span.reference_end]


def test_english_word_shingles_find_an_edited_copy() -> None:
    query = (
        "Unrelated introduction sentence about something else entirely. "
        + ENGLISH.replace("often", "commonly").upper()
    )
    result = compare_texts(fingerprint_text(query), fingerprint_text(ENGLISH))
    assert result.is_match
    assert result.spans[0].query_start >= query.index("THE BUTTERFLY") - 1
    assert "LIANG SHANBO" in query[result.spans[0].query_start : result.spans[0].query_end]


def test_unrelated_texts_do_not_match() -> None:
    assert not compare_texts(fingerprint_text(UNRELATED), fingerprint_text(LEGEND)).is_match
    assert not compare_texts(fingerprint_text(ENGLISH), fingerprint_text(LEGEND)).is_match


def test_tokens_and_shingle_sizes_are_language_aware() -> None:
    tokens = tokenize("Ｈｅｌｌｏ, 漢語!")
    assert [t.text for t in tokens] == ["hello", "汉", "语"]
    assert (tokens[1].start, tokens[1].end) == (7, 8)
    assert shingle_size(tokenize(LEGEND)) == 4
    assert shingle_size(tokenize(ENGLISH)) == 5
    assert simhash64([]) == 0


def test_round_trip_and_bad_input() -> None:
    fp = fingerprint_text(LEGEND)
    assert TextFingerprint.from_bytes(fp.to_bytes()) == fp
    assert fingerprint_text("").winnowed == ()
    with pytest.raises(MalformedFingerprint):
        TextFingerprint.from_bytes(fp.to_bytes()[:-3])
    with pytest.raises(InvalidInput):
        fingerprint_text("字" * 5_000_001)
