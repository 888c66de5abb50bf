"""Translation QA: pure checks over (source, target) pairs, each finding an `Issue`.

The engine failures QA must catch (the usual NMT failure modes): source returned untranslated,
repetition loops, the same word three times, dropped sentences, numbers changed. We add
placeholders/tags, glossary violations and forbidden variants, inconsistent translations,
length ratio, wrong output language and traditional/simplified mismatch. Spans index the
target text, except glossary spans which index the source (where the term is).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from culturebridge.localize.glossary import Glossary
from culturebridge.localize.segments import LANGUAGES, Issue, base_language

CHECKS: tuple[str, ...] = ("untranslated", "repetition", "numbers", "placeholders", "glossary",
                           "forbidden", "inconsistent", "length", "language", "script", "dropped")

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_TAG = re.compile(r"⟦\d+⟧|\{\\[^{}]*\}|\{[A-Za-z0-9_]*\}|%\(\w+\)[sd]|%[sd]|</?[A-Za-z][^<>]*>")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
           "hundred": 100, "thousand": 1000, "dozen": 12}
_EN_NUM_WORD = re.compile(r"(?<!\w)(?:" + "|".join(sorted(_EN_NUM, key=len, reverse=True)) + r")(?!\w)")
_SENT_SRC = re.compile(r"[。！？!?]+|\.(?:\s|$)")
_SENT_TGT = re.compile(r"[.!?。！？]+(?=\s|$|[\"'”」）)])")
_WORD = re.compile(r"\w+", re.UNICODE)
_NONSPACE = re.compile(r"\S")
_LENGTH_RANGE = {("cjk", "latin"): (1.0, 9.0), ("latin", "cjk"): (0.1, 1.0), ("same", "same"): (0.4, 2.5)}


def parse_chinese_number(text: str) -> int:
    """Value of a Chinese numeral (`一百零八` -> 108, `三十六` -> 36, `一二` -> 12)."""
    if all(c in _CN_DIGIT for c in text):
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    total, section, digit = 0, 0, 0
    for c in text:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            section += (digit or 1) * _CN_UNIT[c]
            digit = 0
        elif c in ("万", "亿"):
            total += (section + digit) * (10_000 if c == "万" else 100_000_000)
            section, digit = 0, 0
    return total + section + digit


@functools.lru_cache(maxsize=64)
def _script(lang: str) -> str:
    return "cjk" if base_language(lang) in ("zh", "ja") else "latin"


@functools.lru_cache(maxsize=4096)
def _strip(text: str) -> str:
    # Cached: check_pair and check_document both need it for the same texts.
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum()).casefold()


def _numbers(text: str, lang: str) -> tuple[Counter[int], set[int]]:
    """(numbers that must survive, every number mentioned) in a text."""
    must: Counter[int] = Counter()
    every: set[int] = set()
    for m in _DIGITS.finditer(text):
        try:
            v = int(float(m.group(0).replace(",", "")))
        except ValueError:
            continue
        must[v] += 1
        every.add(v)
    if base_language(lang) in ("zh", "ja"):
        for m in _CN_NUM.finditer(text):
            v = parse_chinese_number(m.group(0))
            every.add(v)
            every.update(_CN_DIGIT[c] for c in m.group(0) if c in _CN_DIGIT)
            if len(m.group(0)) >= 2 and v >= 10:  # single numerals live inside idioms and names
                must[v] += 1
    every.update(_EN_NUM[w] for w in _EN_NUM_WORD.findall(text.lower()))
    return must, every


def _sentences(text: str, pattern: re.Pattern[str]) -> int:
    stripped = text.strip()
    if not stripped:
        return 0
    ends = len(pattern.findall(stripped))
    last = stripped[-1]
    return ends + (0 if last in ".!?。！？\"'”」）)" else 1)


def check_pair(seg: str, source: str, target: str, source_lang: str, target_lang: str,
               glossary: Glossary | None = None, detected: Mapping[str, str | None] | None = None) -> list[Issue]:
    """Every segment-level check on one pair (`detected`: target languages found in one batch)."""
    issues: list[Issue] = []
    whole = (0, len(target))
    if not target.strip():
        return [Issue(seg, "untranslated", whole, "translation is empty")]
    s_norm, t_norm = _strip(source), _strip(target)
    cross = _script(source_lang) != _script(target_lang)
    cjk_share = len(_CJK.findall(target)) / max(1, len(t_norm))
    if s_norm == t_norm and len(s_norm) > 1:
        issues.append(Issue(seg, "untranslated", whole, "target is the source text unchanged"))
    elif cross and _script(target_lang) == "latin" and cjk_share > 0.3:
        issues.append(Issue(seg, "untranslated", whole, f"{cjk_share:.0%} of the target is still Chinese characters"))
    issues += _repetition(seg, target, target_lang)
    issues += _number_issues(seg, source, target, source_lang, target_lang)
    s_tags, t_tags = Counter(_TAG.findall(source)), Counter(_TAG.findall(target))
    if s_tags != t_tags:
        lost, added = s_tags - t_tags, t_tags - s_tags
        issues.append(Issue(seg, "placeholders", whole, "placeholders/tags changed: "
                            + ", ".join([f"missing {t}" for t in lost] + [f"added {t}" for t in added])))
    if glossary is not None:
        for m in glossary.missing(source, target, target_lang):
            r = m.term.rendering(target_lang)
            assert r is not None
            issues.append(Issue(seg, "glossary", (m.start, m.end), f"{m.term.source!r} must be rendered {r.text!r}"))
        variants = glossary.forbidden_variants(target_lang)
        low = target.casefold() if variants else ""
        for term, r, bad in variants:
            at = low.find(bad)
            if at >= 0:
                issues.append(Issue(seg, "forbidden", (at, at + len(bad)),
                                    f"{target[at:at + len(bad)]!r} is a forbidden rendering of {term.source!r}; "
                                    f"use {r.text!r}"))
    if len(s_norm) >= 6:
        kind = (_script(source_lang), _script(target_lang)) if cross else ("same", "same")
        lo, hi = _LENGTH_RANGE[kind]
        ratio = len(t_norm) / len(s_norm)
        if not lo <= ratio <= hi:
            issues.append(Issue(seg, "length", whole, f"target/source length ratio {ratio:.2f} is outside {lo}-{hi}",
                                "warning"))
    issues += _language(seg, target, target_lang, detected)
    issues += _script_mismatch(seg, target, target_lang)
    s_count = _sentences(source, _SENT_SRC)
    t_count = _sentences(target, _SENT_TGT if _script(target_lang) == "latin" else _SENT_SRC)
    if s_count >= 2 and t_count < s_count:
        issues.append(Issue(seg, "dropped", whole, f"source has {s_count} sentences, target only {t_count}"))
    return issues


def _repetition(seg: str, target: str, lang: str) -> list[Issue]:
    # CJK: every character is a token; else words, compared case-insensitively.
    pattern = _NONSPACE if _script(lang) == "cjk" else _WORD
    words = [w.casefold() for w in pattern.findall(target)]
    for n in range(1, 7):
        for i in range(len(words) - 3 * n + 1):
            first = words[i]
            if first != words[i + n] or first != words[i + 2 * n]:  # cheap necessary condition
                continue
            gram = words[i:i + n]
            if words[i + n:i + 2 * n] == gram and words[i + 2 * n:i + 3 * n] == gram:
                if n == 1 and gram[0].isdigit():
                    continue
                what = "the same word three times" if n == 1 else f"a {n}-word loop"
                spans = [m.span() for m in pattern.finditer(target)]
                return [Issue(seg, "repetition", (spans[i][0], spans[i + 3 * n - 1][1]),
                              f"{what}: {' '.join(gram)!r} repeated")]
    return []


def _number_issues(seg: str, source: str, target: str, source_lang: str, target_lang: str) -> list[Issue]:
    s_must, s_all = _numbers(source, source_lang)
    _, t_all = _numbers(target, target_lang)
    out = []
    lost = sorted(v for v in s_must if v not in t_all)
    if lost:
        out.append(Issue(seg, "numbers", (0, len(target)), f"number(s) {lost} of the source are missing"))
    for m in _DIGITS.finditer(target):
        try:
            v = int(float(m.group(0).replace(",", "")))
        except ValueError:
            continue
        if v not in s_all:
            out.append(Issue(seg, "numbers", (m.start(), m.end()), f"number {m.group(0)} is not in the source"))
    return out


_DETECTOR: list[Any] = []


def _detector() -> Any:
    # lingua built only for our languages (1.8 s, 192 MB) - once, on first use.
    if not _DETECTOR:
        from lingua import Language, LanguageDetectorBuilder

        names = {"zh": "CHINESE", "en": "ENGLISH", "es": "SPANISH", "fr": "FRENCH", "ar": "ARABIC",
                 "th": "THAI", "ms": "MALAY", "ja": "JAPANESE", "ko": "KOREAN"}
        langs = [getattr(Language, names[c]) for c in LANGUAGES]
        _DETECTOR.append(({getattr(Language, v): k for k, v in names.items()},
                          LanguageDetectorBuilder.from_languages(*langs).build()))
    return _DETECTOR[0]


def detect_language(text: str) -> str | None:
    """Our code for the text's language (zh en es fr ar th ms ja ko), or None if unsure."""
    codes, detector = _detector()
    lang = detector.detect_language_of(text)
    return None if lang is None else str(codes[lang])


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """`detect_language` of many texts in one call (lingua spreads them over the cores)."""
    codes, detector = _detector()
    return [None if lang is None else str(codes[lang]) for lang in detector.detect_languages_in_parallel_of(list(texts))]


def _language_checked(target: str, target_lang: str) -> bool:
    # Too few letters to tell a language apart: not checked.
    want = base_language(target_lang)
    return want in LANGUAGES and sum(map(str.isalpha, target)) >= (4 if _script(target_lang) == "cjk" else 15)


def _language(seg: str, target: str, target_lang: str, detected: Mapping[str, str | None] | None = None) -> list[Issue]:
    if not _language_checked(target, target_lang):
        return []
    want = base_language(target_lang)
    got = detected[target] if detected is not None and target in detected else detect_language(target)
    if got is None or got == want or (want == "zh" and got == "ja" and not _KANA.search(target)):
        return []
    return [Issue(seg, "language", (0, len(target)), f"target looks like {got}, expected {want}")]


_OPENCC: dict[str, Any] = {}


def _convert(config: str, text: str) -> str:
    if config not in _OPENCC:
        import opencc

        _OPENCC[config] = opencc.OpenCC(config)
    return str(_OPENCC[config].convert(text))


def _script_mismatch(seg: str, target: str, target_lang: str) -> list[Issue]:
    if base_language(target_lang) != "zh" or not _CJK.search(target):
        return []
    traditional = any(t in target_lang.lower() for t in ("hant", "-tw", "-hk", "-mo"))
    if traditional:
        converted = _convert("s2t", target)
        bad = [i for i, (a, b) in enumerate(zip(target, converted)) if a != b and _convert("t2s", a) == a]
        want = "traditional"
    else:
        converted = _convert("t2s", target)
        bad = [i for i, (a, b) in enumerate(zip(target, converted)) if a != b]
        want = "simplified"
    if not bad or len(converted) != len(target):
        return []
    chars = "".join(dict.fromkeys(target[i] for i in bad))
    return [Issue(seg, "script", (bad[0], bad[0] + 1), f"characters {chars!r} are not {want} Chinese")]


def check_document(pairs: Sequence[tuple[str, str, str | None]], source_lang: str, target_lang: str,
                   glossary: Glossary | None = None) -> list[Issue]:
    """Segment checks on every pair plus cross-segment consistency (same source, other target)."""
    issues: list[Issue] = []
    first: dict[str, tuple[str, str]] = {}
    # Language identification is the costliest check: one batched call for the document.
    texts = list(dict.fromkeys(t for _, _, t in pairs if t is not None and _language_checked(t, target_lang)))
    detected = dict(zip(texts, detect_languages(texts))) if len(texts) > 1 else None
    for seg, source, target in pairs:
        if target is None:
            continue
        issues += check_pair(seg, source, target, source_lang, target_lang, glossary, detected)
        key = _strip(source)
        if key in first and _strip(first[key][1]) != _strip(target):
            issues.append(Issue(seg, "inconsistent", (0, len(target)),
                                f"same source as segment {first[key][0]} but translated differently"))
        first.setdefault(key, (seg, target))
    return issues


def check_lines(source_lines: Iterable[str], target_lines: Iterable[str], source_lang: str, target_lang: str,
                glossary: Glossary | None = None) -> list[Issue]:
    """Check two aligned texts line by line (line numbers from 1); a missing line is an issue."""
    src, tgt = list(source_lines), list(target_lines)
    pairs = [(str(i + 1), s, tgt[i] if i < len(tgt) else None) for i, s in enumerate(src)]
    issues = check_document([p for p in pairs if p[1].strip() or (p[2] or "").strip()], source_lang, target_lang, glossary)
    issues += [Issue(str(i + 1), "dropped", (0, 0), "line missing in the target file") for i in range(len(tgt), len(src))
               if src[i].strip()]
    issues += [Issue(str(i + 1), "dropped", (0, len(tgt[i])), "extra line in the target file with no source")
               for i in range(len(src), len(tgt)) if tgt[i].strip()]
    return sorted(issues, key=lambda x: (int(x.segment), x.check))
