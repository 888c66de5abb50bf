"""Blank out the non-text parts of subtitle and markup files, keeping character offsets.

Subtitle timing lines (SRT, WebVTT) and markup (HTML/XML tags, entities, script and style
blocks) are replaced by spaces of the same length, so that two unrelated subtitle files do
not match on their timestamps nor two web pages on their boilerplate, while the spans a text
match reports still index the original file.
"""

from __future__ import annotations

import re

_CUE_NUMBER = re.compile(r"(?m)^[ \t]*\d+[ \t]*$")
# SRT "00:00:01,000 --> 00:00:02,500" and WebVTT "00:01.000 --> 00:02.500 align:start".
_TIMING = re.compile(r"(?m)^[ \t]*(?:\d+:)?\d+:\d+[.,]\d+[ \t]*-->[ \t]*(?:\d+:)?\d+:\d+[.,]\d+.*$")
_VTT_HEADER = re.compile(r"\AWEBVTT[^\n]*")
_HIDDEN = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->")
_TAG = re.compile(r"(?s)<[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_SUBTITLE_TAG = re.compile(r"\{\\[^{}]*\}")  # ASS-style override tags inside SRT cues


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def blank_subtitles(text: str) -> str:
    """SRT/WebVTT with cue numbers, timings, headers and tags blanked."""
    for pattern in (_VTT_HEADER, _TIMING, _CUE_NUMBER, _TAG, _SUBTITLE_TAG):
        text = pattern.sub(_blank, text)
    return text


def blank_markup(text: str) -> str:
    """HTML/XML with script/style blocks, comments, tags and entities blanked."""
    for pattern in (_HIDDEN, _TAG, _ENTITY):
        text = pattern.sub(_blank, text)
    return text
