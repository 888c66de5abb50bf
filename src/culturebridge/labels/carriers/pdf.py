"""PDF carrier: the document Info dictionary entry `/AIGC`, written as an incremental update."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject, TextStringObject

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    RecursionError,
    OSError,
    IndexError,
)


def _reader(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _ = len(reader.pages)
        return reader
    except _ERRORS as exc:
        raise CorruptMedia(f"PDF unreadable: {exc}") from None


def read(data: bytes) -> list[Found]:
    """AIGC label from the PDF Info dictionary."""
    reader = _reader(data)
    try:
        info = reader.metadata
        value = info.get("/AIGC") if info is not None else None
    except _ERRORS as exc:
        raise CorruptMedia(f"PDF Info dictionary unreadable: {exc}") from None
    if value is None:
        return []
    return [found_from_raw("pdf/Info:/AIGC", str(value))]


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The PDF with `/AIGC` in its Info dictionary, appended as an incremental update."""
    del digital_source_type
    reader = _reader(data)
    try:
        # ISO 32000-1 §7.5.6: an incremental update leaves the original bytes (and any
        # signatures over them) intact.
        writer = PdfWriter(reader, incremental=True)
        writer.add_metadata({NameObject("/AIGC"): TextStringObject(label.to_json())})
        out = io.BytesIO()
        writer.write(out)
    except _ERRORS as exc:
        raise CorruptMedia(f"could not update the PDF: {exc}") from None
    return out.getvalue()
