"""What a carrier reader reports: one label occurrence in one place of a file."""

from __future__ import annotations

from dataclasses import dataclass

from culturebridge.errors import InvalidLabel
from culturebridge.labels.gb45438 import AIGCLabel, parse_label
from culturebridge.labels.xmp import read_packet

# A metadata value longer than this is reported, not parsed (a 10 MB "label" is an attack).
MAX_RAW = 256 * 1024


@dataclass(frozen=True)
class Found:
    """One implicit label found in a file: where, the raw value, the parsed label, issues."""

    carrier: str
    raw: str
    label: AIGCLabel | None
    issues: tuple[str, ...] = ()
    digital_source_type: str | None = None


def found_from_raw(
    carrier: str, raw: str, *, xmp_inner: bool = False, digital_source_type: str | None = None
) -> Found:
    """Parse `raw` tolerantly into a Found; a bad value becomes an issue, never an exception."""
    issues: list[str] = []
    if len(raw) > MAX_RAW:
        return Found(
            carrier,
            raw[:256] + "...",
            None,
            (f"AIGC value is {len(raw)} characters long; not parsed",),
            digital_source_type,
        )
    try:
        parsed = parse_label(raw)
    except InvalidLabel as exc:
        return Found(carrier, raw, None, (exc.message,), digital_source_type)
    issues.extend(parsed.issues)
    wrapped = parsed.wrapped
    if xmp_inner and wrapped:
        issues.append('XMP TC260:AIGC should hold the inner object, not the {"AIGC":...} wrapper')
    if not xmp_inner and not wrapped:
        issues.append('value lacks the {"AIGC":...} wrapper required by Annex E')
    return Found(carrier, raw, parsed.label, tuple(issues), digital_source_type)


def found_from_xmp(carrier: str, packet: bytes) -> list[Found]:
    """Founds for the AIGC and IPTC properties of one XMP packet (empty when neither)."""
    fields = read_packet(packet)
    if fields.aigc is not None:
        return [
            found_from_raw(
                carrier, fields.aigc, xmp_inner=True, digital_source_type=fields.digital_source_type
            )
        ]
    if fields.digital_source_type is not None:
        return [Found(carrier, "", None, (), fields.digital_source_type)]
    return []
