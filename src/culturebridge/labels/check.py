"""Checking a file: every label found, C2PA state, IPTC type, explicit label, verdict, Art. 6 tier."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from culturebridge.catalog import DEFAULT_MAX_WHOLE_PIXELS
from culturebridge.errors import CorruptMedia, Error, FileTooLarge, NotFound
from culturebridge.labels import c2pa as c2pa_
from culturebridge.labels import explicit, foreign
from culturebridge.labels.carriers import Found, carrier_for
from culturebridge.labels.gb45438 import AIGCLabel, CodeState, LabelKind, consolidate, verify_codes
from culturebridge.labels.sniff import EXTENSIONS, MediaKind, sniff

# Measures Art. 6: what the platform shows, by what it knows.
TIER_GENERATED = "AI生成"  # implicit metadata says AI-generated
TIER_POSSIBLY = "可能为AI生成"  # only the uploader declares it
TIER_SUSPECTED = "疑似AI生成"  # traces detected
MAX_CHECK_BYTES = 2 * 1024**3


class Verdict(str, Enum):
    """The outcome of a check."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NO_LABEL = "no label"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Report:
    """Everything `check_file` established about one file."""

    source: str
    kind: MediaKind
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    found: tuple[Found, ...] = ()
    label: AIGCLabel | None = None
    integrity: tuple[CodeState, CodeState] | None = None
    c2pa: c2pa_.C2paReport | None = None
    iptc_source_type: str | None = None
    explicit_label: str | None = None
    explicit_checked: str = ""
    tier: str | None = None
    explicit_foreign: str | None = None  # a visible AI notice by another party (GB 45438 §5)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for `check --json` and the web API)."""
        return {
            "source": self.source,
            "kind": self.kind.value,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "findings": list(self.findings),
            "labels": [
                {
                    "carrier": f.carrier,
                    "raw": f.raw,
                    "label": f.label.to_dict() if f.label else None,
                    "issues": list(f.issues),
                    "digital_source_type": f.digital_source_type,
                }
                for f in self.found
            ],
            "label": self.label.to_dict() if self.label else None,
            "integrity": [s.value for s in self.integrity] if self.integrity else None,
            "c2pa": None
            if self.c2pa is None
            else {
                "present": self.c2pa.present,
                "validation_state": self.c2pa.validation_state,
                "digital_source_types": list(self.c2pa.digital_source_types),
                "actions": list(self.c2pa.actions),
                "parents": list(self.c2pa.parents),
                "failures": list(self.c2pa.failures),
            },
            "iptc_source_type": self.iptc_source_type,
            "explicit_label": self.explicit_label,
            "explicit_foreign": self.explicit_foreign,
            "explicit_checked": self.explicit_checked,
            "tier": self.tier,
        }


def platform_tier(
    label: AIGCLabel | None,
    *,
    metadata_ai: bool = False,
    uploader_declared: bool = False,
    traces_detected: bool = False,
) -> str | None:
    """The Measures Art. 6 notice a platform must show, or None when nothing indicates AI."""
    if label is not None:
        return {
            LabelKind.GENERATED: TIER_GENERATED,
            LabelKind.POSSIBLY: TIER_POSSIBLY,
            LabelKind.SUSPECTED: TIER_SUSPECTED,
        }[label.label]
    if metadata_ai:
        return TIER_GENERATED
    if uploader_declared:
        return TIER_POSSIBLY
    if traces_detected:
        return TIER_SUSPECTED
    return None


def _is_ai_type(source_type: str | None) -> bool:
    return bool(source_type) and "algorithmicmedia" in (source_type or "").lower()


def _explicit(data: bytes, kind: MediaKind, with_video: bool, max_whole_pixels: int) -> tuple[str | None, str]:
    """(language of our explicit label or None, what was checked) — never a guess."""
    try:
        if kind in (MediaKind.TEXT, MediaKind.HTML):
            text = data.decode("utf-8", "replace")
            return explicit.find_text_label(
                text
            ), "our text notice at the start or end (exact match)"
        if kind in (MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP):
            return (
                explicit.find_image_label(data, max_whole_pixels=max_whole_pixels),
                "our label plate at the bottom-left corner (labels drawn by others are not recognised)",
            )
        if kind == MediaKind.MP4 and with_video:
            return (
                explicit.find_video_label(data),
                "our label plate in frames at 0.1 s and 1.9 s (labels drawn by others are not recognised)",
            )
    except Error as exc:
        return None, f"explicit label not checked: {exc.message}"
    return None, "not checked: explicit labels in this format are not detected automatically"


def _foreign(data: bytes, kind: MediaKind, with_video: bool, ocr: bool, max_whole_pixels: int) -> str | None:
    """Another party's visible AI notice: anywhere in a text; by OCR in pictures and the
    opening of a video when `ocr` is asked for (Tesseract, a few seconds a picture)."""
    try:
        if kind in (MediaKind.TEXT, MediaKind.HTML):
            return foreign.find_text_notice(data.decode("utf-8", "replace"))
        if not ocr:
            return None
        if kind in (MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP, MediaKind.GIF, MediaKind.TIFF):
            return foreign.find_image_notice(data, max_whole_pixels=max_whole_pixels)
        if kind in (MediaKind.MP4, MediaKind.MATROSKA) and with_video and foreign.ocr_available():
            frame = explicit.opening_frame(data)
            return foreign.find_image_notice(frame) if frame else None
    except Error:
        return None  # an unreadable picture says nothing about a notice
    return None


def check_bytes(
    data: bytes,
    *,
    source: str = "<bytes>",
    public_keys: tuple[Ed25519PublicKey, ...] = (),
    trust_anchor_pem: bytes | None = None,
    check_video: bool = True,
    ocr: bool = False,
    max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS,
) -> Report:
    """Check one file's content: labels, integrity, C2PA, IPTC, explicit label, verdict.
    The OCR of a picture and the search for our plate keep to `max_whole_pixels` (the setting
    `max_whole_decode_pixels`) for a picture that only decodes whole; one above it is not read."""
    kind = sniff(data)
    findings: list[str] = []
    suffix = Path(source).suffix.lower() if source != "<bytes>" else ""
    if suffix and kind in EXTENSIONS and suffix not in EXTENSIONS[kind]:
        findings.append(f"extension {suffix} does not match the content ({kind.value})")
    if kind == MediaKind.UNKNOWN:
        return Report(
            source,
            kind,
            Verdict.NO_LABEL,
            ("content is not a format that carries AIGC labels",),
            tuple(findings),
        )
    try:
        found = tuple(carrier_for(kind).read(data))
    except (CorruptMedia, FileTooLarge) as exc:
        return Report(source, kind, Verdict.UNREADABLE, (exc.message,), tuple(findings))
    reasons: list[str] = []
    distinct = {f.label for f in found if f.label is not None}
    for f in found:
        if f.label is None and f.raw:
            reasons.append(f"{f.carrier}: unreadable AIGC value ({'; '.join(f.issues)})")
        for issue in f.issues if f.label is not None else ():
            reasons.append(f"{f.carrier}: {issue}")
    label = consolidate(list(distinct))
    if len(distinct) > 1 and label is None:
        reasons.append(f"{len(distinct)} conflicting AIGC labels in one file (GB 45438 allows one)")
    elif len(distinct) > 1:
        findings.append(
            "carriers hold the label at different stages (producer copy and propagated copy)"
        )
    iptc = next((f.digital_source_type for f in found if f.digital_source_type), None)
    c2 = _c2pa(data, kind, trust_anchor_pem)
    if c2 is not None and not c2.present and c2.failures:
        findings.append(f"the C2PA reader could not parse the file: {c2.failures[0]}")
    if c2 is not None and c2.present and c2.validation_state not in ("Valid", "Trusted"):
        reasons.append(
            f"C2PA manifest does not validate: {', '.join(c2.failures) or c2.validation_state}"
        )
    integrity = verify_codes(label, public_keys) if label is not None else None
    if integrity is not None:
        for name, state in zip(("ReservedCode1", "ReservedCode2"), integrity):
            if state == CodeState.INVALID:
                reasons.append(f"{name} signature does not verify: the label was altered")
    if label is not None and not label.content_producer:
        reasons.append("ContentProducer is empty (GB 45438 Annex E requires the producer's code)")
    c2_ai = c2 is not None and any(_is_ai_type(t) for t in c2.digital_source_types)
    if not distinct and (c2_ai or _is_ai_type(iptc)):
        reasons.append("C2PA/IPTC declares AI content but the GB 45438 implicit label is missing")
    lang, checked = _explicit(data, kind, check_video, max_whole_pixels)
    other = _foreign(data, kind, check_video, ocr, max_whole_pixels) if lang is None else None
    if other is not None:
        findings.append(f"a visible AI notice by another party: '{other}'")
    if label is not None and label.label == LabelKind.GENERATED and lang is None and other is None:
        findings.append("no explicit label of ours found")
    if reasons:
        verdict = Verdict.NON_COMPLIANT
    elif label is None:
        verdict = Verdict.NO_LABEL
    else:
        verdict = Verdict.COMPLIANT
    # A visible notice without metadata is a trace of AI: 「疑似AI生成」 (Measures Art. 6).
    tier = platform_tier(label, metadata_ai=c2_ai or _is_ai_type(iptc), traces_detected=other is not None)
    if len(distinct) > 1 and label is None:
        tier = TIER_GENERATED  # conflicting labels all say AI in some degree: show the strongest
    return Report(
        source,
        kind,
        verdict,
        tuple(reasons),
        tuple(findings),
        found,
        label,
        integrity,
        c2,
        iptc,
        lang,
        checked,
        tier,
        other,
    )


def _c2pa(data: bytes, kind: MediaKind, trust: bytes | None) -> c2pa_.C2paReport | None:
    if kind not in c2pa_.MIME and kind != MediaKind.FLAC:
        return None
    mime = c2pa_.MIME.get(kind, "audio/flac")
    return c2pa_.read(data, mime, trust_anchor_pem=trust)


def check_file(
    path: Path | bytes,
    *,
    public_keys: tuple[Ed25519PublicKey, ...] = (),
    trust_anchor_pem: bytes | None = None,
    check_video: bool = True,
    ocr: bool = False,
    max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS,
) -> Report:
    """Check a file on disk (or raw bytes) — see `check_bytes`."""
    if isinstance(path, bytes):
        return check_bytes(
            path,
            public_keys=public_keys,
            trust_anchor_pem=trust_anchor_pem,
            check_video=check_video,
            ocr=ocr,
            max_whole_pixels=max_whole_pixels,
        )
    try:
        size = path.stat().st_size
        if size > MAX_CHECK_BYTES:
            raise FileTooLarge(f"{path} is {size} bytes; checks are limited to {MAX_CHECK_BYTES}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {path} does not exist") from None
    except OSError as exc:
        raise CorruptMedia(f"cannot read {path}: {exc.strerror}") from None
    return check_bytes(
        data,
        source=str(path),
        public_keys=public_keys,
        trust_anchor_pem=trust_anchor_pem,
        check_video=check_video,
        ocr=ocr,
        max_whole_pixels=max_whole_pixels,
    )
