"""Localize: translation engines, IP glossaries, translation memory, QA and subtitles.

Compose a pipeline from small pieces (STYLE §4):

    QAChecked(TMTranslator(tm, GlossaryEnforcer(glossary, CTranslate2Translator(dir))), glossary)

On the platform a work is localized by a background job (`work_localization`) whose
segments, glossary and memory live in the database (`localizations`, `glossary_store`, `memory_store`).

Engines load nothing at import; models, dictionaries and detectors load on first use, and
the names below are imported on first access (PEP 562) so `culturebridge --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from culturebridge.localize import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.localize.activity import activity

if TYPE_CHECKING:
    from culturebridge.catalog import default_canon_dir, load_canon_dir
    from culturebridge.localize.attention import Flagged, flagged_localizations
    from culturebridge.localize.checkpoint import (
        Checkpoint,
        JobResult,
        JsonlCheckpoint,
        read_checkpoint,
        run_job,
    )
    from culturebridge.localize.ct2_engine import CTranslate2Translator
    from culturebridge.localize.dictionary_engine import DictionaryTranslator
    from culturebridge.localize.engine_spec import EngineSpec, build_engine, choose_engine
    from culturebridge.localize.glossary import (
        Glossary,
        Rendering,
        Term,
        TermMatch,
        cedict_glosses,
        load_glossaries,
        pinyin_suggestion,
    )
    from culturebridge.localize.glossary_store import save_term, seed_glossary, stored_glossary
    from culturebridge.localize.localizations import (
        JOB_KIND,
        DbCheckpoint,
        Localization,
        StoredSegment,
        get_localization,
        list_localizations,
        segments_of,
    )
    from culturebridge.localize.memory import (
        TMEntry,
        TMMatch,
        TranslationMemory,
        XliffUnit,
        from_xliff,
        to_xliff,
    )
    from culturebridge.localize.memory_store import import_memory, load_memory, remember
    from culturebridge.localize.openai_engine import OpenAIChatTranslator
    from culturebridge.localize.qa import (
        CHECKS,
        check_document,
        check_lines,
        check_pair,
        detect_language,
    )
    from culturebridge.localize.segments import (
        LANGUAGES,
        Context,
        Issue,
        Segment,
        TermHint,
        Translation,
    )
    from culturebridge.localize.subtitles import (
        LIMITS,
        Cue,
        FitResult,
        Limits,
        break_lines,
        decode_bytes,
        display_length,
        fit_cues,
        limits_for,
        parse_subtitles,
        to_srt,
        to_vtt,
    )
    from culturebridge.localize.termbase_files import from_tbx, glossary_for, to_tbx
    from culturebridge.localize.translator import (
        GlossaryEnforcer,
        HumanTranslator,
        QAChecked,
        TMTranslator,
        Translator,
        first_mentions,
    )
    from culturebridge.localize.work_localization import (
        edit_segment,
        handler,
        request_localization,
        run_localization,
    )

# Public name -> defining module, imported on first access.
_EXPORTS: dict[str, str] = {
    "Flagged": "culturebridge.localize.attention",
    "flagged_localizations": "culturebridge.localize.attention",
    "Checkpoint": "culturebridge.localize.checkpoint",
    "JsonlCheckpoint": "culturebridge.localize.checkpoint",
    "first_mentions": "culturebridge.localize.translator",
    "EngineSpec": "culturebridge.localize.engine_spec",
    "build_engine": "culturebridge.localize.engine_spec",
    "choose_engine": "culturebridge.localize.engine_spec",
    "save_term": "culturebridge.localize.glossary_store",
    "seed_glossary": "culturebridge.localize.glossary_store",
    "stored_glossary": "culturebridge.localize.glossary_store",
    "import_memory": "culturebridge.localize.memory_store",
    "load_memory": "culturebridge.localize.memory_store",
    "remember": "culturebridge.localize.memory_store",
    "JOB_KIND": "culturebridge.localize.localizations",
    "DbCheckpoint": "culturebridge.localize.localizations",
    "Localization": "culturebridge.localize.localizations",
    "StoredSegment": "culturebridge.localize.localizations",
    "get_localization": "culturebridge.localize.localizations",
    "list_localizations": "culturebridge.localize.localizations",
    "segments_of": "culturebridge.localize.localizations",
    "edit_segment": "culturebridge.localize.work_localization",
    "handler": "culturebridge.localize.work_localization",
    "request_localization": "culturebridge.localize.work_localization",
    "run_localization": "culturebridge.localize.work_localization",
    "JobResult": "culturebridge.localize.checkpoint",
    "read_checkpoint": "culturebridge.localize.checkpoint",
    "run_job": "culturebridge.localize.checkpoint",
    "CTranslate2Translator": "culturebridge.localize.ct2_engine",
    "DictionaryTranslator": "culturebridge.localize.dictionary_engine",
    "Glossary": "culturebridge.localize.glossary",
    "Rendering": "culturebridge.localize.glossary",
    "Term": "culturebridge.localize.glossary",
    "TermMatch": "culturebridge.localize.glossary",
    "cedict_glosses": "culturebridge.localize.glossary",
    "load_glossaries": "culturebridge.localize.glossary",
    "pinyin_suggestion": "culturebridge.localize.glossary",
    "TMEntry": "culturebridge.localize.memory",
    "TMMatch": "culturebridge.localize.memory",
    "TranslationMemory": "culturebridge.localize.memory",
    "XliffUnit": "culturebridge.localize.memory",
    "from_xliff": "culturebridge.localize.memory",
    "to_xliff": "culturebridge.localize.memory",
    "OpenAIChatTranslator": "culturebridge.localize.openai_engine",
    "CHECKS": "culturebridge.localize.qa",
    "check_document": "culturebridge.localize.qa",
    "check_lines": "culturebridge.localize.qa",
    "check_pair": "culturebridge.localize.qa",
    "detect_language": "culturebridge.localize.qa",
    "Context": "culturebridge.localize.segments",
    "Issue": "culturebridge.localize.segments",
    "LANGUAGES": "culturebridge.localize.segments",
    "Segment": "culturebridge.localize.segments",
    "TermHint": "culturebridge.localize.segments",
    "Translation": "culturebridge.localize.segments",
    "Cue": "culturebridge.localize.subtitles",
    "FitResult": "culturebridge.localize.subtitles",
    "LIMITS": "culturebridge.localize.subtitles",
    "Limits": "culturebridge.localize.subtitles",
    "break_lines": "culturebridge.localize.subtitles",
    "decode_bytes": "culturebridge.localize.subtitles",
    "display_length": "culturebridge.localize.subtitles",
    "fit_cues": "culturebridge.localize.subtitles",
    "limits_for": "culturebridge.localize.subtitles",
    "parse_subtitles": "culturebridge.localize.subtitles",
    "to_srt": "culturebridge.localize.subtitles",
    "to_vtt": "culturebridge.localize.subtitles",
    "default_canon_dir": "culturebridge.catalog",
    "from_tbx": "culturebridge.localize.termbase_files",
    "glossary_for": "culturebridge.localize.termbase_files",
    "load_canon_dir": "culturebridge.catalog",
    "to_tbx": "culturebridge.localize.termbase_files",
    "GlossaryEnforcer": "culturebridge.localize.translator",
    "HumanTranslator": "culturebridge.localize.translator",
    "QAChecked": "culturebridge.localize.translator",
    "TMTranslator": "culturebridge.localize.translator",
    "Translator": "culturebridge.localize.translator",
}

__all__ = [
    "activity",
    "CHECKS",
    "Flagged",
    "JOB_KIND",
    "LANGUAGES",
    "LIMITS",
    "CTranslate2Translator",
    "Checkpoint",
    "Context",
    "Cue",
    "DbCheckpoint",
    "DictionaryTranslator",
    "EngineSpec",
    "FitResult",
    "Glossary",
    "GlossaryEnforcer",
    "HumanTranslator",
    "Issue",
    "JobResult",
    "JsonlCheckpoint",
    "Limits",
    "Localization",
    "OpenAIChatTranslator",
    "QAChecked",
    "Rendering",
    "Segment",
    "StoredSegment",
    "TMEntry",
    "TMMatch",
    "TMTranslator",
    "Term",
    "TermHint",
    "TermMatch",
    "Translation",
    "TranslationMemory",
    "Translator",
    "XliffUnit",
    "break_lines",
    "build_engine",
    "cedict_glosses",
    "check_document",
    "check_lines",
    "check_pair",
    "choose_engine",
    "decode_bytes",
    "default_canon_dir",
    "detect_language",
    "display_length",
    "edit_segment",
    "first_mentions",
    "flagged_localizations",
    "fit_cues",
    "from_tbx",
    "from_xliff",
    "get_localization",
    "glossary_for",
    "handler",
    "import_memory",
    "limits_for",
    "list_localizations",
    "load_canon_dir",
    "load_glossaries",
    "load_memory",
    "parse_subtitles",
    "pinyin_suggestion",
    "read_checkpoint",
    "remember",
    "request_localization",
    "run_job",
    "run_localization",
    "save_term",
    "seed_glossary",
    "segments_of",
    "stored_glossary",
    "to_srt",
    "to_tbx",
    "to_vtt",
    "to_xliff",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
