from __future__ import annotations

import json

from culturebridge.labels import produced
from culturebridge.labels.xmp import (
    COMPOSITE,
    TC260_NS,
    TRAINED,
    build_packet,
    is_ours_only,
    merge_packet,
    read_packet,
)


def test_built_packet_reads_back() -> None:
    inner = produced("P", "1").to_xmp_value()
    packet = build_packet(inner, TRAINED)
    fields = read_packet(packet)
    assert fields.aigc == inner and fields.digital_source_type == TRAINED
    assert is_ours_only(packet)


def test_element_form_and_other_prefix_are_read() -> None:
    inner = produced("P", "1").to_xmp_value().replace('"', "&quot;")
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:aigc="{TC260_NS}" '
        'xmlns:ext="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
        f"<aigc:AIGC>{inner}</aigc:AIGC>"
        f'<ext:DigitalSourceType rdf:resource="{COMPOSITE}"/>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    fields = read_packet(packet)
    assert fields.aigc is not None and json.loads(fields.aigc)["ContentProducer"] == "P"
    assert fields.digital_source_type == COMPOSITE


def test_merge_replaces_ours_and_keeps_foreign_properties() -> None:
    foreign = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmp:CreatorTool="Studio" TC260:AIGC="{&quot;Label&quot;:&quot;2&quot;}"/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    inner = produced("P", "1").to_xmp_value()
    merged = merge_packet(foreign, inner, TRAINED)
    assert b'xmp:CreatorTool="Studio"' in merged and merged.count(b"TC260:AIGC=") == 1
    assert read_packet(merged).aigc == inner
    assert not is_ours_only(merged)
