from __future__ import annotations

from culturebridge.localize.glossary import Glossary
from culturebridge.localize.qa import (
    check_document,
    check_lines,
    check_pair,
    detect_language,
    parse_chinese_number,
)

SRC = "孙悟空翻了一个筋斗，飞了十万八千里。"
GOOD = "Sun Wukong turned a somersault and flew 108,000 li."


def _checks(source: str, target: str, lang: str = "en", glossary: Glossary | None = None) -> set[str]:
    return {i.check for i in check_pair("1", source, target, "zh", lang, glossary)}


def test_good_translation_is_clean(glossary: Glossary) -> None:
    assert _checks(SRC, GOOD, glossary=glossary) == set()


def test_untranslated() -> None:
    assert "untranslated" in _checks(SRC, SRC)
    assert "untranslated" in _checks(SRC, "Sun Wukong 翻了一个筋斗，飞了十万八千里。")
    assert "untranslated" in _checks(SRC, "   ")


def test_repetition_word_and_loop() -> None:
    assert "repetition" in _checks(SRC, "Sun Wukong flew flew flew 108,000 li.")
    issue = next(i for i in check_pair("1", SRC, "Sun Wukong the cloud the cloud the cloud flew 108,000 li.", "zh", "en")
                 if i.check == "repetition")
    assert "2-word loop" in issue.message and issue.span[0] == 11


def test_numbers_changed_or_dropped() -> None:
    assert "numbers" in _checks(SRC, "Sun Wukong turned a somersault and flew 18,000 li.")
    assert "numbers" in _checks("他走了108里路。", "He walked a long way.")
    assert "numbers" not in _checks("他走了108里路。", "He walked 108 li.")
    assert parse_chinese_number("一百零八") == 108 and parse_chinese_number("十万八千") == 108000
    assert parse_chinese_number("三十六") == 36


def test_placeholders_and_tags() -> None:
    assert "placeholders" in _checks("{name}来了<b>！</b>", "He came!")
    assert "placeholders" not in _checks("{name}来了<b>！</b>", "{name} came<b>!</b>")


def test_glossary_and_forbidden(glossary: Glossary) -> None:
    checks = _checks("孙悟空挥舞金箍棒。", "The monkey swings the golden hoop stick.", glossary=glossary)
    assert {"glossary", "forbidden"} <= checks


def test_inconsistent_across_document() -> None:
    issues = check_document([("1", "武松打虎。", "Wu Song kills the tiger."),
                             ("2", "武松打虎。", "Wu Song fights a tiger.")], "zh", "en")
    assert [(i.segment, i.check) for i in issues] == [("2", "inconsistent")]


def test_length_ratio() -> None:
    assert "length" in _checks("孙悟空和猪八戒一起去了花果山看望猴子们。", "Go.")


def test_wrong_language() -> None:
    assert detect_language("Le roi singe vole au-dessus des nuages du ciel.") == "fr"
    assert "language" in _checks(SRC, "Le roi singe a fait une culbute et a volé 108000 li.")


def test_traditional_simplified_mismatch() -> None:
    issues = check_pair("1", "He came back later.", "後來他回來了。", "en", "zh-Hans")
    assert [i.check for i in issues] == ["script"]
    assert check_pair("1", "He came back later.", "后来他回来了。", "en", "zh-Hans") == []
    assert [i.check for i in check_pair("1", "He came back later.", "后来他回来了。", "en", "zh-Hant")] == ["script"]


def test_dropped_sentence() -> None:
    assert "dropped" in _checks("武松喝了十八碗酒。他上山打虎。", "Wu Song drank 18 bowls of wine.")


def test_check_lines_reports_missing_lines() -> None:
    issues = check_lines(["武松打虎。", "林黛玉葬花。"], ["Wu Song kills the tiger."], "zh", "en")
    assert [(i.segment, i.check) for i in issues] == [("2", "dropped")]
