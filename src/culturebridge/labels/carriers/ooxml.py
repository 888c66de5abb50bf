"""DOCX/XLSX/PPTX carrier: custom property `AIGC` in `docProps/custom.xml` (ECMA-376 Part 1 §22.3)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from culturebridge.errors import CorruptMedia, FileTooLarge
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

CUSTOM = "docProps/custom.xml"
_CP = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
# Zip-bomb guard for the parts we inflate.
_MAX_PART = 16 * 1024 * 1024


def _zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptMedia(f"Office document is not a readable zip: {exc}") from None


def _part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise FileTooLarge(f"{name} inflates to {info.file_size} bytes")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"{name} is damaged: {exc}") from None


def _properties(xml: bytes) -> list[tuple[str, str]]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise CorruptMedia(f"{CUSTOM} is not well-formed XML: {exc}") from None
    props: list[tuple[str, str]] = []
    for prop in root.findall(f"{{{_CP}}}property"):
        value = "".join(child.text or "" for child in prop)
        props.append((prop.get("name", ""), value))
    return props


def read(data: bytes) -> list[Found]:
    """AIGC label from the custom document properties."""
    with _zip(data) as zf:
        xml = _part(zf, CUSTOM)
    if xml is None:
        return []
    return [found_from_raw(f"ooxml/{CUSTOM}:AIGC", v) for n, v in _properties(xml) if n == "AIGC"]


def _custom_xml(existing: bytes | None, value: str) -> bytes:
    kept: list[str] = []
    pid = 2
    if existing is not None:
        root = ET.fromstring(existing)
        for prop in root.findall(f"{{{_CP}}}property"):
            if prop.get("name") == "AIGC":
                continue
            prop.set("pid", str(pid))
            pid += 1
            kept.append(ET.tostring(prop, encoding="unicode"))
    ours = (
        f'<property fmtid="{_FMTID}" pid="{pid}" name="AIGC">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
    )
    body = "".join(kept) + ours
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_CP}" xmlns:vt="{_VT}">{body}</Properties>'
    )
    # ElementTree re-serialises kept properties with ns0/ns1 prefixes; normalise them.
    xml = re.sub(r'\sxmlns:ns\d+="[^"]*"', "", xml)
    xml = re.sub(r"<(/?)ns\d+:property", r"<\1property", xml)
    return re.sub(r"<(/?)ns\d+:", r"<\1vt:", xml).encode("utf-8")


def _with_override(ct: bytes) -> bytes:
    text = ct.decode("utf-8")
    if f'PartName="/{CUSTOM}"' in text:
        return ct
    override = f'<Override PartName="/{CUSTOM}" ContentType="{_CT}"/>'
    return text.replace("</Types>", override + "</Types>").encode("utf-8")


def _with_relationship(rels: bytes) -> bytes:
    text = rels.decode("utf-8")
    if _REL_TYPE in text:
        return rels
    ids = {int(i) for i in re.findall(r'Id="rId(\d+)"', text)}
    rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{_REL_TYPE}" Target="{CUSTOM}"/>'
    return text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The document with the `AIGC` custom property set; every other part copied."""
    del digital_source_type
    out = io.BytesIO()
    with _zip(data) as zf:
        ct = _part(zf, "[Content_Types].xml")
        rels = _part(zf, "_rels/.rels")
        if ct is None or rels is None:
            raise CorruptMedia("Office document lacks [Content_Types].xml or _rels/.rels")
        try:
            custom = _custom_xml(_part(zf, CUSTOM), label.to_json())
        except ET.ParseError as exc:
            raise CorruptMedia(f"{CUSTOM} is not well-formed XML: {exc}") from None
        replaced = {
            "[Content_Types].xml": _with_override(ct),
            "_rels/.rels": _with_relationship(rels),
            CUSTOM: custom,
        }
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in zf.infolist():
                if info.filename in replaced:
                    dst.writestr(info, replaced.pop(info.filename))
                else:
                    part = _part(zf, info.filename)
                    dst.writestr(info, part if part is not None else b"")
            for name, blob in replaced.items():
                dst.writestr(name, blob)
    return out.getvalue()
