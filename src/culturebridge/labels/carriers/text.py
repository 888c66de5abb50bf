"""Markdown and plain-text carrier: `AIGC:` in YAML front matter (GB 45438 Annex E)."""

from __future__ import annotations

import json
import re

import yaml

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

_FRONT = re.compile(r"\A(\ufeff?)---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _without_aigc(block: str) -> str:
    """The front matter minus a top-level `AIGC:` key and its indented continuation."""
    out: list[str] = []
    skipping = False
    for line in block.splitlines(keepends=True):
        if re.match(r"AIGC\s*:", line):
            skipping = True
            continue
        if skipping and line[:1] in (" ", "\t"):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptMedia(f"text is not UTF-8 (byte {exc.start})") from None


def read(data: bytes) -> list[Found]:
    """AIGC label from the YAML front matter, if any."""
    match = _FRONT.match(_decode(data))
    if match is None:
        return []
    try:
        meta = yaml.safe_load(match.group(2) or "")
    except yaml.YAMLError as exc:
        return [
            Found(
                "text/front-matter",
                match.group(2) or "",
                None,
                (f"front matter is not YAML: {exc}",),
            )
        ]
    if not isinstance(meta, dict) or "AIGC" not in meta:
        return []
    value = meta["AIGC"]
    if isinstance(value, dict):
        raw = json.dumps({"AIGC": value}, ensure_ascii=False, default=str)
        found = found_from_raw("text/front-matter:AIGC", raw)
        return [
            Found(
                found.carrier,
                raw,
                found.label,
                found.issues + ("AIGC front matter is a YAML mapping, not the JSON string",),
            )
        ]
    return [found_from_raw("text/front-matter:AIGC", str(value))]


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The text with `AIGC: '<json>'` in its front matter; the body unchanged."""
    del digital_source_type
    text = _decode(data)
    line = "AIGC: '" + label.to_json().replace("'", "''") + "'\n"
    match = _FRONT.match(text)
    if match is None:
        return ("---\n" + line + "---\n" + text).encode("utf-8")
    inner = _without_aigc(match.group(2) or "")
    return (f"{match.group(1)}---\n{inner}{line}---\n" + text[match.end() :]).encode("utf-8")
