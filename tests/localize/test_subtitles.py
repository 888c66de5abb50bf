from __future__ import annotations

import unicodedata

import pytest

from culturebridge.errors import FileTooLarge, MalformedSubtitles, UndecodableText
from culturebridge.localize.subtitles import (
    Cue,
    break_lines,
    decode_bytes,
    display_length,
    fit_cues,
    limits_for,
    parse_subtitles,
    to_srt,
    to_vtt,
)

SRT = "1\n00:00:01,000 --> 00:00:03,000\n孙悟空来了！\n\n2\n00:00:04,000 --> 00:00:06,500\n<i>猪八戒</i>也来了。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030"])
def test_encodings_detected(encoding: str) -> None:
    cues = parse_subtitles(SRT.encode(encoding))
    assert [c.text for c in cues] == ["孙悟空来了！", "猪八戒也来了。"]
    assert (cues[0].start_ms, cues[0].end_ms) == (1000, 3000)


def test_latin1_is_refused_clearly() -> None:
    with pytest.raises(UndecodableText, match="UTF-8"):
        decode_bytes("1\n00:00:01,000 --> 00:00:02,000\nCafé à la crème, très élégant\n".encode("latin-1"))


def test_malformed_and_bad_timings() -> None:
    with pytest.raises(MalformedSubtitles):
        parse_subtitles(b"this is not a subtitle file")
    with pytest.raises(MalformedSubtitles, match="cue 1"):
        parse_subtitles(b"1\n00:00:05,000 --> 00:00:01,000\nbackwards\n")
    with pytest.raises(MalformedSubtitles):
        parse_subtitles(b"00:00:01.000 --> 00:00:02.000\nhi\n", "vtt")
    with pytest.raises(FileTooLarge):
        parse_subtitles(b"x" * (20 * 1024 * 1024 + 1))


def test_srt_and_vtt_round_trip() -> None:
    cues = parse_subtitles(SRT.encode())
    assert parse_subtitles(to_srt(cues).encode()) == cues
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT") and "00:00:01.000 --> 00:00:03.000" in vtt
    assert parse_subtitles(vtt.encode()) == cues


def test_display_length_counts_half_for_latin_in_cjk() -> None:
    assert display_length("孙悟空", "zh") == 3
    assert display_length("KTV 很好", "ko") == 4.0
    assert display_length("Sun Wukong", "en") == 10


def test_break_lines_at_natural_points() -> None:
    text = "Sun Wukong leapt into the clouds, and Heaven could not follow him."
    broken = break_lines(text, "en")
    assert broken is not None
    top, bottom = broken.split("\n")
    assert top.endswith(",") and len(top) <= 42 and len(bottom) <= 42
    assert break_lines("short line", "en") == "short line"
    zh = break_lines("孙悟空一个筋斗云翻了十万八千里，到了天边。", "zh")
    assert zh == "孙悟空一个筋斗云翻了十万八千里，\n到了天边。"


def test_fit_splits_long_cues_and_merges_short_ones() -> None:
    long = ("Sun Wukong leapt into the clouds and laughed at the soldiers of Heaven, who chased him "
            "across the sky for seven days and seven nights without ever catching him.")
    cues = [Cue(0, 8000, long), Cue(10000, 10400, "Oh!"), Cue(10500, 11000, "He is gone.")]
    result = fit_cues(cues, "en")
    lim = limits_for("en")
    assert len(result.cues) == 4  # long one split in three balanced cues, the two short ones merged
    sizes = [len(c.text) for c in result.cues[:3]]
    assert min(sizes) >= max(sizes) / 2
    for c in result.cues:
        lines = c.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= lim.chars_per_line for line in lines)
        assert c.duration_ms <= lim.max_ms
    assert result.cues[-1].text == "Oh! He is gone." and result.cues[-1].duration_ms >= lim.min_ms
    assert all(a.end_ms <= b.start_ms for a, b in zip(result.cues, result.cues[1:]))


def test_fit_reports_what_it_cannot_fix() -> None:
    result = fit_cues([Cue(0, 1000, "孙悟空一个筋斗云翻了十万八千里"), Cue(1000, 3000, "到了")], "zh")
    assert any(i.check == "reading_speed" and i.segment == "1" for i in result.issues)


def test_arabic_lines_get_rtl_embedding() -> None:
    result = fit_cues([Cue(0, 3000, "مرحبا بكم في عالم الرحلة إلى الغرب، حيث يطير الملك القرد فوق الغيوم")], "ar")
    for line in result.cues[0].text.split("\n"):
        assert line.startswith("\u202b") and line.endswith("\u202c")
    again = fit_cues(result.cues, "ar")  # marks are not doubled on a second pass
    assert again.cues[0].text == result.cues[0].text


def test_thai_marks_take_no_cell_and_are_never_split_off() -> None:
    text = "พระถังซัมจั๋งเดินทางไปอินเดียพร้อมกับลูกศิษย์สามคนเพื่ออัญเชิญพระไตรปิฎกกลับมา"
    assert display_length("กิ", "th") == 1  # consonant + above vowel
    broken = break_lines(text, "th")
    assert broken is not None
    top, bottom = broken.split("\n")
    assert display_length(top, "th") <= 35 and display_length(bottom, "th") <= 35
    assert not unicodedata.category(bottom[0]).startswith("M")
