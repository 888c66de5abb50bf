"""HTML carrier: `<meta name="AIGC" content="...">` in the document head."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

_META = re.compile(r"<meta\b[^>]*\bname\s*=\s*[\"']?AIGC[\"']?[^>]*>\s*", re.IGNORECASE)


class _MetaFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            named = dict(attrs)
            if (named.get("name") or "").upper() == "AIGC":
                self.values.append(named.get("content") or "")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptMedia(f"HTML is not UTF-8 (byte {exc.start})") from None


def read(data: bytes) -> list[Found]:
    """AIGC labels from `<meta name="AIGC">` elements."""
    finder = _MetaFinder()
    finder.feed(_decode(data))
    finder.close()
    return [found_from_raw("html/meta:AIGC", v) for v in finder.values]


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The HTML with one AIGC meta element right after `<head>`."""
    del digital_source_type
    text = _META.sub("", _decode(data))
    tag = f'<meta name="AIGC" content="{escape(label.to_json(), quote=True)}">'
    for anchor in (r"<head\b[^>]*>", r"<html\b[^>]*>"):
        match = re.search(anchor, text, re.IGNORECASE)
        if match:
            glue = "\n" if anchor.startswith("<head") else "<head>"
            closing = "" if anchor.startswith("<head") else "</head>"
            return (text[: match.end()] + glue + tag + closing + text[match.end() :]).encode(
                "utf-8"
            )
    return (tag + "\n" + text).encode("utf-8")
