"""Is an answer in the language it was asked in? lingua for the language, OpenCC for the script.

Han characters with no kana or hangul are Chinese without asking lingua (the common case,
and lingua's cost); Latin-script and mixed answers go to lingua, built for seven languages.
lingua cannot tell Simplified from Traditional Chinese, so for Chinese the script is judged
by how many characters OpenCC's s2t / t2s conversions would change. Answers too short to
judge (a bare option letter) are never flagged.
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}
# Build the detector for these only (lingua: ~1.8 s and ~190 MB for nine; less for these seven).
_CODES = {"ENGLISH": "en", "CHINESE": "zh", "JAPANESE": "ja", "KOREAN": "ko", "FRENCH": "fr",
          "GERMAN": "de", "SPANISH": "es"}
MIN_LATIN_LETTERS = 15
MIN_CJK = 4


def _detector() -> tuple[dict[Any, str], Any]:
    with _LOCK:
        if "detector" not in _STATE:
            from lingua import Language, LanguageDetectorBuilder

            langs = {getattr(Language, k): v for k, v in _CODES.items()}
            _STATE["detector"] = (langs, LanguageDetectorBuilder.from_languages(*langs).build())
        return _STATE["detector"]  # type: ignore[no-any-return]


def _converters() -> tuple[Any, Any]:
    with _LOCK:
        if "opencc" not in _STATE:
            import opencc

            _STATE["opencc"] = (opencc.OpenCC("s2t"), opencc.OpenCC("t2s"))
        return _STATE["opencc"]  # type: ignore[no-any-return]


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s), to compare Chinese answers across scripts."""
    return str(_converters()[1].convert(text))


def chinese_script(text: str) -> str | None:
    """'Hans' or 'Hant' by which conversion changes more characters; None if neither does."""
    s2t, t2s = _converters()
    to_t = sum(a != b for a, b in zip(text, s2t.convert(text)))
    to_s = sum(a != b for a, b in zip(text, t2s.convert(text)))
    if to_t == to_s:
        return None
    return "Hans" if to_t > to_s else "Hant"


def wrong_language(text: str, language: str) -> str | None:
    """What the answer is in, when that is clearly not `language` (en, zh-Hans, zh-Hant); else None."""
    cjk = sum(map(is_cjk, text))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if language == "en":
        if cjk >= MIN_CJK and cjk > latin / 4:
            return "zh"
        if latin < MIN_LATIN_LETTERS:
            return None
    elif cjk < MIN_CJK:
        return "en" if latin >= MIN_LATIN_LETTERS else None
    elif not any(_is_kana_or_hangul(ch) for ch in text) and latin < cjk:
        return _script_mismatch(text, language)  # Han characters without kana or hangul: Chinese
    codes, detector = _detector()
    found = detector.detect_language_of(text)
    code = None if found is None else codes[found]
    if language == "en":
        return None if code in (None, "en") else code
    if code not in (None, "zh"):
        return code
    return _script_mismatch(text, language)


def _is_kana_or_hangul(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af"


def _script_mismatch(text: str, language: str) -> str | None:
    script = chinese_script(text)
    want = language.split("-")[1]
    return f"zh-{script}" if script is not None and script != want else None
