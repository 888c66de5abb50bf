"""Text folding and phrase matching shared by the review checks.

Folding maps traditional to simplified Chinese (OpenCC t2s) and lowercases, keeping the
length so spans found in the folded text point into the original. Matching is
Aho-Corasick (linear in the text), with word boundaries for Latin-script phrases, plus a
homophone layer over toneless pinyin for evasions like 沙比 for 傻逼. A homophone stands in
for a whole word, so a sound-alike that straddles two of jieba's words (表自 in 上表自贬)
is no evasion; where asked, neither is a real dictionary word that merely sounds the
same (蟠桃 is not 叛逃, 被判 is not 背叛).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Generic, TypeVar

import ahocorasick

P = TypeVar("P")

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[，,、：:。！？!?；;\n]|\.(?=\s|$)")
_LATIN = re.compile(r"[a-z0-9]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z][a-z'\-]*")
# An English negator as a regex fragment ("not", "no", "never", "without", "nor", "-n't"),
# shared by the rules that look for a negation right before a phrase (safety, misplacement).
EN_NEGATOR = r"(?:\b(?:not|no|never|without|nor)|n't)"

_EN_STOP = frozenset(
    ["a", "an", "the", "his", "her", "their", "its", "of", "to", "and", "or", "in", "on", "at", "by", "with", "for", "from", "is", "are", "was", "were", "be", "been", "he", "she", "they", "it", "him", "them", "this", "that", "as", "into", "who", "whom", "which"]
)
_ZH_STOP = frozenset(["了", "的", "地", "得", "着", "过", "他", "她", "它", "们", "把", "被", "将", "一", "个", "是", "在", "和", "与", "就", "都", "又", "也"])


@functools.lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    converter = _t2s()
    return str(converter.convert(text))  # type: ignore[attr-defined]


def fold(text: str) -> str:
    """Simplified-Chinese, lowercase copy of text with the same length (spans carry over)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few code points lowercase to two; keep them as they are
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if not _CJK.search(lowered):
        return lowered
    simplified = _convert(lowered)
    if len(simplified) == len(lowered):
        return simplified
    # OpenCC phrase rules changed the length: fall back to character by character.
    return "".join(s if len(s := _convert(c)) == 1 else c for c in lowered)


def is_latin(phrase: str) -> bool:
    """True if the phrase is written in Latin script (needs word boundaries)."""
    return not _CJK.search(phrase)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Split text at pattern into (start, end) spans of non-empty pieces."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        if text[start : m.start()].strip():
            out.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of text (Chinese and Latin punctuation, newlines)."""
    return spans(_SENTENCE_END, text)


def clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans of text (sentences further split at commas and colons)."""
    return spans(_CLAUSE_END, text)


@dataclass(frozen=True)
class Match(Generic[P]):
    start: int
    end: int
    payload: P


class PhraseIndex(Generic[P]):
    """Aho-Corasick index of phrases (folded), each with a payload; linear-time search."""

    def __init__(self, phrases: Iterable[tuple[str, P]], *, boundaries: bool = True) -> None:
        self._boundaries = boundaries
        self._automaton = ahocorasick.Automaton()
        grouped: dict[str, list[P]] = {}
        for phrase, payload in phrases:
            key = fold(phrase.strip())
            if key:
                grouped.setdefault(key, []).append(payload)
        for key, payloads in grouped.items():
            self._automaton.add_word(key, (key, tuple(payloads)))
        self._empty = not grouped
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, folded: str) -> list[Match[P]]:
        """Matches in already-folded text, Latin phrases only on word boundaries."""
        if self._empty:
            return []
        out: list[Match[P]] = []
        for end_index, (key, payloads) in self._automaton.iter(folded):
            start = end_index - len(key) + 1
            end = end_index + 1
            if self._boundaries and is_latin(key) and not _on_word_boundary(folded, start, end):
                continue
            out.extend(Match(start, end, p) for p in payloads)
        return out


def _on_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    # Allow English inflections after the phrase: "betray" matches "betrays", "betrayed".
    if _LATIN.match(after):
        tail = re.match(r"[a-z]+", text[end : end + 4])
        ending = tail.group(0) if tail else ""
        if ending not in ("s", "es", "ed", "d", "ing", "ly") or (ending == "d" and text[end - 1] != "e"):
            return False  # "car" is not in "card"; "d" only inflects a word ending in e ("behaved")
    return not _LATIN.match(before)


def stem(word: str) -> str:
    """A crude English stem (drop -ing/-ed/-es/-s) good enough to compare phrasings."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _jieba() -> ModuleType:
    import jieba

    jieba.setLogLevel(60)  # jieba logs its dictionary build at INFO on first use
    module: ModuleType = jieba
    return module


@functools.lru_cache(maxsize=4096)
def content_terms(phrase: str) -> tuple[str, ...]:
    """The content words of a phrase: stems for English, jieba words for Chinese."""
    folded = fold(phrase)
    if is_latin(folded):
        return tuple(stem(w) for w in _WORD.findall(folded) if w not in _EN_STOP)
    words = [w for w in _jieba().lcut(folded) if w.strip() and w not in _ZH_STOP]
    return tuple(w for w in words if _CJK.search(w) or _LATIN.search(w))


def sentence_terms(folded_sentence: str) -> frozenset[str]:
    """Stems of the English words in a folded sentence."""
    return frozenset(stem(w) for w in _WORD.findall(folded_sentence))


def has_terms(folded_sentence: str, stems: frozenset[str], terms: Sequence[str]) -> bool:
    """True if every content term occurs in the sentence (stems for English, substrings for Chinese)."""
    if not terms:
        return False
    for term in terms:
        if _CJK.search(term):
            if term not in folded_sentence:
                return False
        elif term not in stems:
            return False
    return True


def first_term_at(folded_sentence: str, terms: Sequence[str]) -> int:
    """Position of the earliest content term in the sentence (len(sentence) if none)."""
    best = len(folded_sentence)
    for term in terms:
        if _CJK.search(term):
            at = folded_sentence.find(term)
        else:
            m = re.search(rf"(?<![a-z]){re.escape(term)}", folded_sentence)
            at = m.start() if m else -1
        if 0 <= at < best:
            best = at
    return best


@functools.lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL)[0]


def pinyin_key(text: str) -> str:
    """Toneless pinyin of the CJK characters of text, as '|sha|bi|'."""
    return "|" + "".join(_syllable(c) + "|" for c in text if _CJK.match(c))


@functools.lru_cache(maxsize=256)
def word_spans(folded: str) -> tuple[tuple[str, int, int], ...]:
    """jieba's words of `folded` with their (start, end) offsets (kept for the last texts: the
    safety lexicon and the homophone layer both ask for the same field's words)."""
    return tuple((str(w), int(start), int(end)) for w, start, end in _jieba().tokenize(folded))


@functools.lru_cache(maxsize=256)
def word_bounds(folded: str) -> frozenset[int]:
    """Offsets in `folded` where one of jieba's words starts or ends."""
    return frozenset(b for _, start, end in word_spans(folded) for b in (start, end))


def is_dictionary_word(word: str) -> bool:
    """True if jieba's dictionary knows `word` as a word in use (a frequency above zero)."""
    return bool(_jieba().get_FREQ(word))


class HomophoneIndex(Generic[P]):
    """Finds Chinese phrases written with other characters of the same sound.

    A match must start and end on word boundaries (jieba's). With `skip_real_words`, a
    match that is itself a dictionary word other than the phrase is no evasion either.
    """

    def __init__(self, phrases: Iterable[tuple[str, P]], *, skip_real_words: bool = False) -> None:
        self._skip_real_words = skip_real_words
        self._index: PhraseIndex[tuple[str, P]] = PhraseIndex(
            (
                (pinyin_key(fold(phrase)), (phrase, payload))
                for phrase, payload in phrases
                if not is_latin(phrase)
            ),
            boundaries=False,
        )

    def find(self, folded: str) -> Iterator[Match[tuple[str, P]]]:
        """Matches (char spans in folded) whose sound equals a phrase; payload (phrase, P)."""
        positions: list[int] = []
        parts: list[str] = ["|"]
        offsets: list[int] = []  # offset in the pinyin string where each CJK char starts
        length = 1
        for i, c in enumerate(folded):
            if _CJK.match(c):
                syllable = _syllable(c) + "|"
                positions.append(i)
                offsets.append(length)
                parts.append(syllable)
                length += len(syllable)
            elif not c.isspace() and positions and positions[-1] != -1:
                positions.append(-1)  # any other character breaks a run
                offsets.append(length)
                parts.append("#|")
                length += 2
        key_text = "".join(parts)
        by_offset = {off: k for k, off in enumerate(offsets)}
        bounds: frozenset[int] | None = None
        for m in self._index.find(key_text):
            first = by_offset.get(m.start + 1)
            last = by_offset.get(m.end - _tail(key_text, m.end))
            if first is None or last is None:
                continue
            start, end = positions[first], positions[last] + 1
            if start < 0 or positions[last] < 0:
                continue
            bounds = word_bounds(folded) if bounds is None else bounds
            if start not in bounds or end not in bounds:
                continue  # straddles two words: a coincidence of sound, not a stand-in
            span = folded[start:end]
            if self._skip_real_words and span != fold(m.payload[0]) and is_dictionary_word(span):
                continue
            yield Match(start, end, m.payload)


def _tail(key_text: str, end: int) -> int:
    """Length of the last syllable (with its bar) ending at `end` in the pinyin string."""
    previous_bar = key_text.rfind("|", 0, end - 1)
    return end - previous_bar - 1
