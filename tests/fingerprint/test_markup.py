"""Subtitle timings and markup are blanked before text fingerprinting, offsets kept."""

from __future__ import annotations

from pathlib import Path

from culturebridge.fingerprint._markup import blank_markup, blank_subtitles
from culturebridge.fingerprint.matcher import Library
from culturebridge.fingerprint.scan import decode_text, fingerprint_file, scan_paths


def _srt(lines: list[str]) -> str:
    return "\n".join(
        f"{i + 1}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{line}\n"
        for i, line in enumerate(lines)
    )


def test_blanking_keeps_length_and_text() -> None:
    srt = _srt(["<i>白娘子</i>与许仙"])
    blanked = blank_subtitles(srt)
    assert len(blanked) == len(srt) and "-->" not in blanked and "<i>" not in blanked
    assert blanked.strip() == "白娘子    与许仙"
    html = "<p style='x'>断桥&nbsp;借伞</p><script>var a = 1;</script>"
    out = blank_markup(html)
    assert len(out) == len(html) and out.split() == ["断桥", "借伞"]


def test_unrelated_subtitles_with_the_same_timings_do_not_match(tmp_path: Path) -> None:
    zh = ["今天天气很好", "我们去公园散步", "看到很多人在放风筝", "孩子们在草地上奔跑", "老人们在树下下棋"]
    en = ["The dragon flew over", "Nobody saw it coming", "The village slept", "A child woke", "Stars fell"]
    (tmp_path / "a.srt").write_text(_srt(zh), encoding="utf-8")
    (tmp_path / "b.srt").write_text(_srt(en), encoding="utf-8")
    (tmp_path / "c.srt").write_text(_srt(["片头"] + zh[1:]), encoding="gb18030")
    library = Library()
    library.add("w", "a.srt", fingerprint_file(tmp_path / "a.srt"))
    unrelated, retimed = scan_paths([tmp_path / "b.srt", tmp_path / "c.srt"], library)
    assert unrelated.matches == () and unrelated.error is None
    assert [m.asset_id for m in retimed.matches] == ["a.srt"]


def test_text_encodings() -> None:
    assert decode_text("许仙".encode("utf-16"), "x") == "许仙"
    assert decode_text("许仙".encode("gb18030"), "x") == "许仙"
    assert decode_text(b"\xef\xbb\xbfok", "x") == "ok"
