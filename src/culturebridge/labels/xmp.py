"""XMP packets carrying `TC260:AIGC` (GB 45438 Annex E) and IPTC `DigitalSourceType` together."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, unescape

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
# IPTC NewsCodes digital source types (C2PA and IPTC Photo Metadata 2023.1).
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"

# The largest packet we parse; XMP in the wild stays far below this.
MAX_PACKET = 4 * 1024 * 1024


@dataclass(frozen=True)
class XmpFields:
    """The two properties we read from an XMP packet; None when absent."""

    aigc: str | None
    digital_source_type: str | None


def build_packet(aigc_inner_json: str, digital_source_type: str) -> bytes:
    """A complete XMP packet holding `TC260:AIGC` and `Iptc4xmpExt:DigitalSourceType`."""
    # XMP spec part 1 §7.3: the packet wrapper; attributes as simple properties.
    body = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:TC260="{TC260_NS}"\n'
        f'    xmlns:Iptc4xmpExt="{IPTC_EXT_NS}"\n'
        f'    TC260:AIGC="{escape(aigc_inner_json, {chr(34): "&quot;"})}"\n'
        f'    Iptc4xmpExt:DigitalSourceType="{escape(digital_source_type)}"/>\n'
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return body.encode("utf-8")


def _property(packet: str, prefix_ns: str, local: str) -> str | None:
    # Find the prefix bound to the namespace (writers choose their own prefixes).
    prefixes = re.findall(r'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']' + re.escape(prefix_ns), packet)
    for prefix in prefixes:
        name = re.escape(f"{prefix}:{local}")
        attr = re.search(name + r'\s*=\s*"([^"]*)"', packet) or re.search(
            name + r"\s*=\s*'([^']*)'", packet
        )
        if attr:
            return unescape(attr.group(1), {"&quot;": '"', "&apos;": "'"})
        elem = re.search("<" + name + r"(?:\s[^>]*)?>(.*?)</" + name + ">", packet, re.DOTALL)
        if elem:
            inner = elem.group(1)
            # rdf:Alt / rdf:Seq wrappers: take the first item.
            li = re.search(r"<rdf:li(?:\s[^>]*)?>(.*?)</rdf:li>", inner, re.DOTALL)
            if li:
                inner = li.group(1)
            inner = re.sub(r"^<!\[CDATA\[(.*)\]\]>$", r"\1", inner.strip(), flags=re.DOTALL)
            return unescape(inner, {"&quot;": '"', "&apos;": "'"})
        res = re.search("<" + name + r'\s[^>]*rdf:resource\s*=\s*"([^"]*)"', packet)
        if res:
            return unescape(res.group(1))
    return None


def read_packet(packet: bytes) -> XmpFields:
    """Read `TC260:AIGC` and `Iptc4xmpExt:DigitalSourceType` from an XMP packet."""
    text = packet[:MAX_PACKET].decode("utf-8", errors="replace")
    return XmpFields(
        aigc=_property(text, TC260_NS, "AIGC"),
        digital_source_type=_property(text, IPTC_EXT_NS, "DigitalSourceType"),
    )


def is_ours_only(packet: bytes) -> bool:
    """True when a packet is exactly one we built (safe to replace whole)."""
    fields = read_packet(packet)
    if fields.aigc is None or fields.digital_source_type is None:
        return False
    return build_packet(fields.aigc, fields.digital_source_type) == packet


def merge_packet(existing: bytes | None, aigc_inner_json: str, digital_source_type: str) -> bytes:
    """Our properties merged into an existing packet, keeping every other property."""
    if existing is None or is_ours_only(existing):
        return build_packet(aigc_inner_json, digital_source_type)
    text = existing.decode("utf-8", errors="replace")
    # Drop earlier values of our two properties, whatever their form, then add ours.
    for prefix_ns, local in ((TC260_NS, "AIGC"), (IPTC_EXT_NS, "DigitalSourceType")):
        for prefix in re.findall(
            r'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']' + re.escape(prefix_ns), text
        ):
            name = re.escape(f"{prefix}:{local}")
            text = re.sub(r"\s" + name + r'\s*=\s*"[^"]*"', "", text)
            text = re.sub(r"\s" + name + r"\s*=\s*'[^']*'", "", text)
            text = re.sub(
                "<" + name + r"(?:\s[^>]*)?>.*?</" + name + ">", "", text, flags=re.DOTALL
            )
            text = re.sub("<" + name + r"\s[^>]*/>", "", text)
    ours = (
        '<rdf:Description rdf:about=""'
        f' xmlns:TC260="{TC260_NS}" xmlns:Iptc4xmpExt="{IPTC_EXT_NS}"'
        f' TC260:AIGC="{escape(aigc_inner_json, {chr(34): "&quot;"})}"'
        f' Iptc4xmpExt:DigitalSourceType="{escape(digital_source_type)}"/>'
    )
    if "</rdf:RDF>" not in text:
        return build_packet(aigc_inner_json, digital_source_type)
    head, _, tail = text.rpartition("</rdf:RDF>")
    return (head + ours + "\n</rdf:RDF>" + tail).encode("utf-8")
