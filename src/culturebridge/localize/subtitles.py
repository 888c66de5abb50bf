"""Subtitles: SRT/WebVTT in and out, encodings, per-language limits, line breaking, fitting.

Limits follow the Netflix timed-text style guides (General Requirements and the per-language guides): at most 2 lines, a cue
lasts 5/6 s to 7 s, characters per line and reading speed per language. For zh/ja/ko a
Latin letter, space or punctuation mark counts half a character. Arabic lines are wrapped
in RLE ... PDF (U+202B/U+202C) so players that ignore the base direction still show them
right to left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from culturebridge.errors import FileTooLarge, MalformedSubtitles, UndecodableText
from culturebridge.localize.segments import Issue, base_language

Format = Literal["srt", "vtt"]
MAX_BYTES = 20 * 1024 * 1024
GAP_MS = 83  # two frames at 24 fps between consecutive cues
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_RTL = ("ar", "he", "fa", "ur")


@dataclass(frozen=True)
class Limits:
    """Netflix-style limits for one language."""

    chars_per_line: int
    max_cps: float
    max_lines: int = 2
    min_ms: int = 833
    max_ms: int = 7000


LIMITS: dict[str, Limits] = {
    "en": Limits(42, 20), "es": Limits(42, 17), "fr": Limits(42, 17), "ar": Limits(42, 17),
    "ms": Limits(42, 17), "th": Limits(35, 17), "zh": Limits(16, 9), "ko": Limits(16, 12),
    "ja": Limits(13, 4),
}


def limits_for(lang: str) -> Limits:
    """Limits for a language tag (unknown languages get the English ones)."""
    return LIMITS.get(base_language(lang), LIMITS["en"])


@dataclass(frozen=True)
class Cue:
    """One subtitle: times in milliseconds, text with `\\n` between lines."""

    start_ms: int
    end_ms: int
    text: str

    @property
    def duration_ms(self) -> int:
        """How long the cue is shown."""
        return self.end_ms - self.start_ms


# --- reading and writing ---------------------------------------------------------------------


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding) for UTF-8, UTF-8 with BOM, UTF-16 (BOM or not) or GB18030 bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableText(f"file has a UTF-16 byte-order mark but does not decode: {exc}") from exc
    sample = data[:4000]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return _try(data, "utf-16-le"), "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return _try(data, "utf-16-be"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            "file is not UTF-8, UTF-16 or GB18030", hint="re-save it as UTF-8 in your subtitle editor") from exc
    non_ascii = [c for c in text if ord(c) > 127]
    cjk = sum(1 for c in non_ascii if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    if non_ascii and cjk / len(non_ascii) < 0.6:
        raise UndecodableText("file is not UTF-8, UTF-16 or GB18030 (it decodes as GB18030 only to nonsense)",
                              hint="re-save it as UTF-8 in your subtitle editor")
    return text, "gb18030"


def _try(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UndecodableText(f"file looks like {encoding} but does not decode: {exc}") from exc


def parse_subtitles(data: bytes, fmt: Format | None = None) -> list[Cue]:
    """Cues from SRT or WebVTT bytes (format sniffed when not given)."""
    import pysubs2

    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"subtitle file is {len(data)} bytes (limit {MAX_BYTES})")
    text, _ = decode_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = fmt or ("vtt" if text.lstrip().startswith("WEBVTT") else "srt")
    if fmt == "vtt" and not text.lstrip().startswith("WEBVTT"):
        raise MalformedSubtitles("a WebVTT file must start with 'WEBVTT'")
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as exc:  # pysubs2 raises assorted errors on damaged input
        raise MalformedSubtitles(f"cannot parse {fmt.upper()}: {exc}") from exc
    cues = [Cue(int(e.start), int(e.end), e.plaintext.strip()) for e in subs if e.plaintext.strip()]
    if not cues:
        raise MalformedSubtitles(f"no {fmt.upper()} cues found",
                                 hint="each cue needs a 'HH:MM:SS,mmm --> HH:MM:SS,mmm' line then text")
    for i, c in enumerate(cues, 1):
        if c.start_ms < 0 or c.end_ms <= c.start_ms:
            raise MalformedSubtitles(f"cue {i} ends before it starts ({c.start_ms} -> {c.end_ms} ms)")
    return cues


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(max(0, ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def to_srt(cues: list[Cue]) -> str:
    """SRT text (UTF-8 when written)."""
    return "".join(f"{i}\n{_stamp(c.start_ms, ',')} --> {_stamp(c.end_ms, ',')}\n{c.text}\n\n"
                   for i, c in enumerate(cues, 1))


def to_vtt(cues: list[Cue]) -> str:
    """WebVTT text."""
    return "WEBVTT\n\n" + "".join(f"{_stamp(c.start_ms, '.')} --> {_stamp(c.end_ms, '.')}\n{c.text}\n\n"
                                  for c in cues)


# --- measuring and breaking -------------------------------------------------------------------


def display_length(text: str, lang: str) -> float:
    """Characters as a reader counts them (half for Latin/space/punct in zh/ja/ko)."""
    half = base_language(lang) in ("zh", "ja", "ko")
    if text.isascii():
        n = len(text) - text.count("\n")
        return n / 2 if half else float(n)
    total = 0.0
    for c in text:
        # marks (Mn/Me: Thai vowels, accents) and format characters (Cf: bidi marks) take no cell
        if c == "\n" or unicodedata.category(c) in ("Mn", "Me", "Cf"):
            continue
        total += 0.5 if half and ord(c) < 0x2E80 else 1.0
    return total


_PUNCT_AFTER = set(",;:.!?，、。；：！？…")
_BREAK_BEFORE = {"and", "but", "or", "that", "which", "who", "because", "when", "to", "of", "in", "with",
                 "for", "y", "pero", "que", "et", "mais", "qui", "de", "dan", "yang"}


def _units(text: str, lang: str) -> list[str]:
    """Break candidates: words with their following space, or single characters for zh/ja/th."""
    if base_language(lang) in ("zh", "ja") or (base_language(lang) == "th" and " " not in text):
        out: list[str] = []
        for c in text:
            if out and (unicodedata.category(c) in ("Mn", "Me") or c in "，、。；：！？）」』"):
                out[-1] += c
            else:
                out.append(c)
        return out
    return re.findall(r"\S+\s*", text)


def break_lines(text: str, lang: str, limits: Limits | None = None) -> str | None:
    """The text in at most `max_lines` lines within the line limit, broken at natural points."""
    lim = limits or limits_for(lang)
    flat = " ".join(_BIDI.sub("", text).split())
    total = display_length(flat, lang)
    if total <= lim.chars_per_line:
        return flat
    if lim.max_lines < 2 or total > 2 * lim.chars_per_line + 1:
        return None
    units = _units(flat, lang)
    full = [display_length(u, lang) for u in units]
    bare = [display_length(u.rstrip(), lang) for u in units]
    best: tuple[float, int] | None = None
    acc = 0.0
    for i in range(1, len(units)):
        lt = acc + bare[i - 1]
        acc += full[i - 1]
        lb = total - acc
        if lt > lim.chars_per_line or lb > lim.chars_per_line:
            continue
        score = abs(lt - lb) + (0 if lb >= lt else 2)  # balanced, slightly bottom-heavy
        if units[i - 1].rstrip()[-1:] in _PUNCT_AFTER:
            score -= lim.chars_per_line  # Netflix: break after punctuation first
        if units[i].strip().lower() in _BREAK_BEFORE:
            score -= lim.chars_per_line / 6
        if best is None or score < best[0]:
            best = (score, i)
    if best is None:
        return None
    return "".join(units[:best[1]]).rstrip() + "\n" + "".join(units[best[1]:]).strip()


def _chunks(text: str, lang: str, lim: Limits) -> list[str]:
    """Split text that cannot fit one cue into pieces that do, at clause ends where possible."""
    units = _units(" ".join(text.split()), lang)
    chunks: list[str] = []
    cur: list[str] = []
    acc = 0.0
    for u in units:
        acc += display_length(u, lang)
        if cur and acc > lim.chars_per_line and break_lines("".join(cur + [u]), lang, lim) is None:
            cut = max((k for k in range(1, len(cur)) if cur[k - 1].rstrip()[-1:] in _PUNCT_AFTER
                       and k >= len(cur) // 2), default=len(cur))
            chunks.append("".join(cur[:cut]).strip())
            cur = cur[cut:]
            acc = sum(display_length(x, lang) for x in cur) + display_length(u, lang)
        cur.append(u)
    if cur:
        chunks.append("".join(cur).strip())
    chunks = [c for c in chunks if c]
    balanced = _balanced(units, len(chunks), lang)
    if len(chunks) > 1 and all(break_lines(c, lang, lim) is not None for c in balanced):
        return balanced  # same number of cues, no short dangling last piece
    return chunks


def _balanced(units: list[str], n: int, lang: str) -> list[str]:
    total = sum(display_length(u, lang) for u in units)
    out: list[str] = []
    cur: list[str] = []
    acc = 0.0
    for u in units:
        cur.append(u)
        acc += display_length(u, lang)
        if len(out) < n - 1 and acc >= total * (len(out) + 1) / n:
            out.append("".join(cur).strip())
            cur = []
    if cur:
        out.append("".join(cur).strip())
    return [c for c in out if c]


# --- fitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitResult:
    """Fitted cues and what could not be fixed."""

    cues: list[Cue]
    issues: list[Issue]


def fit_cues(cues: list[Cue], lang: str, limits: Limits | None = None) -> FitResult:
    """Break lines, split overlong cues, merge/extend short ones, cap long ones; report the rest."""
    lim = limits or limits_for(lang)
    pieces: list[Cue] = []
    for cue in cues:
        flat = " ".join(_BIDI.sub("", cue.text).split())
        if break_lines(flat, lang, lim) is not None or not flat:
            pieces.append(replace(cue, text=flat))
            continue
        parts = _chunks(flat, lang, lim)
        total = sum(display_length(p, lang) for p in parts) or 1.0
        t = cue.start_ms
        for k, p in enumerate(parts):
            end = cue.end_ms if k == len(parts) - 1 else t + int(cue.duration_ms * display_length(p, lang) / total)
            pieces.append(Cue(t, end, p))
            t = end
    merged = _merge_short(pieces, lang, lim)
    out: list[Cue] = []
    issues: list[Issue] = []
    for i, cue in enumerate(merged):
        nxt = merged[i + 1].start_ms - GAP_MS if i + 1 < len(merged) else cue.start_ms + lim.max_ms
        length = display_length(cue.text, lang)
        need = max(lim.min_ms, int(1000 * length / lim.max_cps))
        end = cue.end_ms
        if end - cue.start_ms < need:
            end = max(end, min(cue.start_ms + need, nxt, cue.start_ms + lim.max_ms))
        end = min(end, cue.start_ms + lim.max_ms)
        broken = break_lines(cue.text, lang, lim)
        text = broken or cue.text
        if base_language(lang) in _RTL:
            text = "\n".join(f"\u202b{line}\u202c" for line in text.split("\n"))
        fitted = Cue(cue.start_ms, end, text)
        out.append(fitted)
        where = str(i + 1)
        cps = length / max(0.001, fitted.duration_ms / 1000)
        if cps > lim.max_cps + 1e-9:
            issues.append(Issue(where, "reading_speed", (0, len(text)),
                                f"{cps:.1f} characters/s exceeds {lim.max_cps:g}: shorten the text", "warning"))
        if fitted.duration_ms < lim.min_ms:
            issues.append(Issue(where, "duration", (0, len(text)),
                                f"shown {fitted.duration_ms} ms, less than {lim.min_ms} ms", "warning"))
        if broken is None:
            issues.append(Issue(where, "line_length", (0, len(text)), "text does not fit the line limits"))
    return FitResult(out, issues)


def _merge_short(cues: list[Cue], lang: str, lim: Limits) -> list[Cue]:
    out: list[Cue] = []
    for cue in cues:
        if out:
            prev = out[-1]
            gap = cue.start_ms - prev.end_ms
            short = prev.duration_ms < lim.min_ms or cue.duration_ms < lim.min_ms
            joined = f"{prev.text} {cue.text}" if base_language(lang) not in ("zh", "ja") else prev.text + cue.text
            if (short and 0 <= gap <= 500 and cue.end_ms - prev.start_ms <= lim.max_ms
                    and break_lines(joined, lang, lim) is not None):
                out[-1] = Cue(prev.start_ms, cue.end_ms, joined)
                continue
        out.append(cue)
    return out
