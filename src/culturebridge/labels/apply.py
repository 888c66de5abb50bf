"""Applying labels to a file: explicit label, GB 45438 implicit label + IPTC, then C2PA.

Order matters: an explicit label re-encodes pixels or samples (dropping metadata), the
implicit label is then written without re-encoding, and C2PA signs last so its hard
binding covers the final bytes. Another party's label is never stripped or forged
(Measures Art. 10): its producer fields are kept and only the propagator fields are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import CorruptMedia, InvalidInput, LabelConflict, VerificationFailed
from culturebridge.labels import c2pa as c2pa_
from culturebridge.labels import explicit
from culturebridge.labels.carriers import carrier_for
from culturebridge.labels.gb45438 import (
    AIGCLabel,
    LabelKind,
    consolidate,
    produced,
    propagated,
    sign_producer,
    sign_propagator,
)
from culturebridge.labels.sniff import MediaKind, sniff
from culturebridge.labels.xmp import COMPOSITE, TRAINED


@dataclass(frozen=True)
class LabelRequest:
    """What to write. Producer fields are used only when the file carries no label yet."""

    producer: str = ""
    produce_id: str = ""
    propagator: str = ""
    propagate_id: str = ""
    kind: LabelKind = LabelKind.GENERATED
    composite: bool = False  # IPTC compositeWithTrainedAlgorithmicMedia (mixed work)
    explicit_lang: str | None = None  # draw/speak/write an explicit label in this language
    spoken: bool = True  # audio: spoken notice (True) or the tone rhythm (False)
    title: str = "AI-generated work"
    edited: bool = False  # C2PA: an edit of `parent` (c2pa.opened + c2pa.edited), not c2pa.created


@dataclass(frozen=True)
class Applied:
    """The labelled bytes and the label they now carry."""

    data: bytes
    label: AIGCLabel
    kind: MediaKind
    c2pa_state: str | None


def _existing(data: bytes, kind: MediaKind) -> AIGCLabel | None:
    found = carrier_for(kind).read(data)
    bad = [f for f in found if f.label is None and f.raw]
    if bad:
        raise LabelConflict(
            f"the file carries an unreadable AIGC value in {bad[0].carrier}",
            hint="we never strip another party's label; ask its producer for a fixed file",
        )
    distinct = [f.label for f in found if f.label is not None]
    label = consolidate(distinct)
    if distinct and label is None:
        raise LabelConflict(
            "the file carries conflicting AIGC labels", hint="resolve them with the producer first"
        )
    return label


def _label_for(
    existing: AIGCLabel | None, req: LabelRequest, key: Ed25519PrivateKey | None
) -> AIGCLabel:
    if existing is None:
        if not req.producer:
            raise InvalidInput(
                "the file carries no AIGC label and no producer was given",
                hint="pass the generating service's code (--producer)",
            )
        label = produced(req.producer, req.produce_id, req.kind)
        if key is not None:
            label = sign_producer(label, key)
    else:
        if req.producer and (req.producer, req.produce_id or existing.produce_id) != (
            existing.content_producer,
            existing.produce_id,
        ):
            raise LabelConflict(
                f"the file is already labelled by producer {existing.content_producer!r}",
                hint="a label is never overwritten; publish it as propagator instead (--propagator)",
            )
        label = existing
    if req.propagator:
        label = propagated(label, req.propagator, req.propagate_id)
        if key is not None:
            label = sign_propagator(label, key)
    return label


def _explicit(data: bytes, kind: MediaKind, req: LabelRequest, tier: str) -> bytes:
    """Draw, write or speak the notice of the label's tier (Measures Art. 6: "1" 「AI生成」,
    "2" the uploader's declaration 「可能为AI生成」, "3" detected traces 「疑似AI生成」)."""
    lang = req.explicit_lang
    assert lang is not None
    if kind == MediaKind.TEXT:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorruptMedia(f"text is not UTF-8 (byte {exc.start})") from None
        return explicit.label_text(text, lang, tier=tier).encode("utf-8")
    if kind in (MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP):
        return explicit.label_image(data, lang, tier=tier)
    if kind == MediaKind.MP4:
        try:
            return explicit.label_video(data, lang, tier=tier)
        except InvalidInput:
            return explicit.label_audio(data, "mp4", lang, spoken=req.spoken, tier=tier)
    audio = {
        MediaKind.MP3: "mp3",
        MediaKind.WAV: "wav",
        MediaKind.FLAC: "flac",
        MediaKind.OGG: "ogg",
    }
    if kind in audio:
        return explicit.label_audio(data, audio[kind], lang, spoken=req.spoken, tier=tier)
    raise InvalidInput(
        f"explicit labels for {kind.value} files are not supported yet",
        hint="add the notice in the authoring tool; the implicit label is still written",
    )


def apply_labels(
    data: bytes,
    request: LabelRequest,
    *,
    label_key: Ed25519PrivateKey | None = None,
    c2pa_credentials: c2pa_.Credentials | None = None,
    parent: c2pa_.Parent | None = None,
) -> Applied:
    """Label `data` as requested and verify the result by reading it back."""
    kind = sniff(data)
    carrier = carrier_for(kind)
    existing = _existing(data, kind)
    label = _label_for(existing, request, label_key)
    foreign_c2pa = kind in c2pa_.MIME and c2pa_.read(data, c2pa_.MIME[kind]).present
    if foreign_c2pa and c2pa_credentials is None:
        raise LabelConflict(
            "the file carries a C2PA manifest that labelling would invalidate",
            hint="re-sign with --c2pa (the original becomes the parentOf ingredient)",
        )
    source_type = COMPOSITE if request.composite else TRAINED
    out = data
    if request.explicit_lang is not None:
        out = _explicit(out, kind, request, label.label.value)
        kind = sniff(out)
        carrier = carrier_for(kind)
    out = carrier.write(out, label, digital_source_type=source_type)
    state: str | None = None
    if c2pa_credentials is not None:
        mime = c2pa_.mime_for(kind)
        if parent is None and foreign_c2pa:
            parent = c2pa_.Parent(data, mime, "original")
        out = c2pa_.sign(
            out,
            mime,
            c2pa_credentials,
            title=request.title,
            digital_source_type=source_type,
            parent=parent,
            edited=request.edited and parent is not None,
        )
        report = c2pa_.read(out, mime, trust_anchor_pem=c2pa_credentials.ca_pem)
        state = report.validation_state
        if state not in ("Valid", "Trusted"):
            raise VerificationFailed(
                "c2pa", f"our manifest does not validate ({state}: {report.failures})"
            )
    back = consolidate([f.label for f in carrier.read(out) if f.label is not None])
    if back != label:
        raise VerificationFailed("gb45438", "the label read back differs from the label written")
    return Applied(out, label, kind, state)
