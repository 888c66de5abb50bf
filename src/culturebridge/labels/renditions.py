"""Labelled renditions: copies of a file carrying our labels, made once and kept with the work.

An AI work's file gets an implicitly labelled rendition (GB 45438 + IPTC, C2PA where the
format allows) when it is checked; `label_for_publication` adds the explicit label in the
audience's language when the feed publishes. Each rendition is ingested as a new asset of
the same work (so it is fingerprinted and checked like any upload) and remembered here.

Label fields we write (Measures Art. 10 — never strip or forge another party's label):
a file that carries a producer's label keeps it and gets our propagator fields; a file
with none, in a work its uploader declared AI-generated, gets Label "2" (可能为AI生成, the
Art. 6 tier for an uploader's declaration) with this platform as ContentProducer and
ContentPropagator and the asset id as ProduceID/PropagateID.

Heavy media libraries are imported inside the functions that need them, so importing
this module stays cheap.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from culturebridge.accounts import User, get_user
from culturebridge.catalog import Asset, Work, get_asset, get_work, list_assets, sources_of
from culturebridge.errors import InvalidInput
from culturebridge.ids import now
from culturebridge.jobs import ingest
from culturebridge.labels._tables import label_renditions
from culturebridge.labels.keyring import PlatformKeys, has_platform_keys, platform_keys
from culturebridge.labels.log import log_event
from culturebridge.platform import Platform

if TYPE_CHECKING:
    from culturebridge.labels.apply import Applied, LabelRequest
    from culturebridge.labels.c2pa import Parent
    from culturebridge.labels.check import Report
    from culturebridge.labels.gb45438 import AIGCLabel
    from culturebridge.labels.sniff import MediaKind

MAX_PARENT_BYTES = 64 * 1024**2  # a source work's file larger than this is not embedded as ingredient
_SUFFIX = {
    "png": ".png",
    "jpeg": ".jpg",
    "webp": ".webp",
    "mp4": ".mp4",
    "mp3": ".mp3",
    "wav": ".wav",
    "flac": ".flac",
    "ogg": ".ogg",
    "pdf": ".pdf",
    "ooxml": ".docx",
    "html": ".html",
    "text": ".md",
}


def read_asset(platform: Platform, asset: Asset) -> bytes:
    with platform.media.open(asset.storage_key) as fh:
        return fh.read()


def keys_of(platform: Platform) -> PlatformKeys | None:
    return platform_keys(platform.settings) if has_platform_keys(platform.settings) else None


def check_data(data: bytes, name: str, keys: PlatformKeys | None) -> Report:
    from culturebridge.labels.check import check_bytes

    return check_bytes(
        data,
        source=name,
        public_keys=(keys.label_key.public_key(),) if keys else (),
        trust_anchor_pem=keys.credentials.ca_pem if keys else None,
    )


def rendition_row(conn: Connection, asset_id: str) -> Any:
    return conn.execute(select(label_renditions).where(label_renditions.c.asset_id == asset_id)).first()


def existing_rendition(conn: Connection, source_id: str, purpose: str, lang: str) -> str | None:
    row = conn.execute(
        select(label_renditions.c.asset_id).where(
            label_renditions.c.source_asset_id == source_id,
            label_renditions.c.purpose == purpose,
            label_renditions.c.lang == lang,
        )
    ).first()
    return None if row is None else str(row.asset_id)


def source_ingredient(platform: Platform, conn: Connection, work: Work) -> Parent | None:
    """The source work's first file C2PA can carry, as `parentOf` ingredient (derivatives)."""
    from culturebridge.labels.c2pa import MIME, Parent
    from culturebridge.labels.sniff import sniff

    for edge in sources_of(conn, work.id)[:1]:
        source = get_work(conn, edge.source_id)
        for candidate in list_assets(conn, source.id)[:5]:
            if candidate.size > MAX_PARENT_BYTES:
                continue
            data = read_asset(platform, candidate)
            kind = sniff(data)
            if kind in MIME:
                return Parent(data, MIME[kind], f"{source.title()} ({candidate.original_name})")
    return None


def label_request(asset: Asset, propagator: str, lang: str | None) -> LabelRequest:
    from culturebridge.labels.apply import LabelRequest
    from culturebridge.labels.gb45438 import LabelKind

    return LabelRequest(
        producer=propagator,
        produce_id=asset.id,
        propagator=propagator,
        propagate_id=asset.id,
        kind=LabelKind.POSSIBLY,
        explicit_lang=lang,
        title=asset.original_name,
    )


def apply_platform_labels(
    data: bytes,
    kind: MediaKind,
    request: LabelRequest,
    keys: PlatformKeys | None,
    parent: Parent | None,
    has_foreign_c2pa: bool,
) -> tuple[Applied, str | None]:
    """Label `data`; C2PA where the format allows it. Returns the result and a note."""
    from culturebridge.errors import C2paSigningError
    from culturebridge.labels.apply import apply_labels
    from culturebridge.labels.c2pa import MIME

    existing = _existing_label(data, kind)
    if existing is not None:  # the producer's label is kept; ours are only propagator fields
        from dataclasses import replace

        request = replace(request, producer="", produce_id="")
    label_key = keys.label_key if keys else None
    creds = keys.credentials if keys and kind in MIME else None
    if creds is None:
        note = "C2PA not embedded: " + ("no platform keys" if keys is None else f"not supported for {kind.value}")
        return apply_labels(data, request, label_key=label_key), note
    try:
        return apply_labels(
            data, request, label_key=label_key, c2pa_credentials=creds, parent=None if has_foreign_c2pa else parent
        ), None
    except C2paSigningError as exc:
        if has_foreign_c2pa:
            raise
        return apply_labels(data, request, label_key=label_key), f"C2PA not embedded: {exc.message}"


def _existing_label(data: bytes, kind: MediaKind) -> AIGCLabel | None:
    from culturebridge.labels.carriers import carrier_for

    found = carrier_for(kind).read(data)
    return next((f.label for f in found if f.label is not None), None)


def _name(asset: Asset, kind: MediaKind, tag: str) -> str:
    path = PurePath(asset.original_name)
    suffix = path.suffix.lower()
    from culturebridge.labels.sniff import EXTENSIONS

    if suffix not in EXTENSIONS.get(kind, frozenset()):
        suffix = _SUFFIX.get(kind.value, suffix)
    return f"{path.stem[:180]}.{tag}{suffix}"


def add_rendition(
    conn: Connection,
    platform: Platform,
    owner: User,
    source: Asset,
    applied: Applied,
    purpose: str,
    lang: str,
) -> Asset:
    tag = "ai-labelled" if purpose == "implicit" else f"ai-labelled-{lang}"
    with conn.begin_nested():
        new = ingest(conn, platform, owner, source.work_id, io.BytesIO(applied.data), _name(source, applied.kind, tag))
        conn.execute(
            label_renditions.insert().values(
                asset_id=new.id, source_asset_id=source.id, purpose=purpose, lang=lang, created_at=now()
            )
        )
    return new


def label_for_publication(platform: Platform, asset: Asset, lang: str, *, actor: User | None = None) -> Asset:
    """The asset to publish in `lang`: a copy with explicit + implicit labels (+ C2PA), made once.

    Returns `asset` itself when nothing indicates AI (the work is not declared AI-generated
    and the file carries no AIGC label). Raises InvalidInput for formats whose explicit
    label we cannot draw (PDF, DOCX, HTML).
    """
    from culturebridge.labels.explicit import SHORT

    if lang not in SHORT:
        raise InvalidInput(f"no explicit label for language {lang!r}", hint=f"use one of {', '.join(SHORT)}")
    with platform.db.read() as conn:
        work = get_work(conn, asset.work_id)
        done = existing_rendition(conn, asset.id, "publication", lang)
        if done is not None:
            return get_asset(conn, done)
        implicit = existing_rendition(conn, asset.id, "implicit", "")
        source = get_asset(conn, implicit) if implicit else asset
        parent = source_ingredient(platform, conn, work)
    data = read_asset(platform, source)
    keys = keys_of(platform)
    report = check_data(data, source.original_name, keys)
    if not work.ai_generated and report.label is None:
        return asset
    has_c2pa = report.c2pa is not None and report.c2pa.present
    request = label_request(asset, platform.settings.label_propagator, lang)
    applied, note = apply_platform_labels(data, report.kind, request, keys, parent, has_c2pa)
    with platform.db.write() as conn:
        who = actor or get_user(conn, work.owner_id)
        new = add_rendition(conn, platform, who, asset, applied, "publication", lang)
        log_event(
            conn,
            "publication",
            actor_id=who.id,
            actor=who.username,
            work_id=work.id,
            asset_id=asset.id,
            result_asset_id=new.id,
            label=applied.label.to_dict(),
            detail="; ".join(filter(None, [f"explicit label ({lang})", f"C2PA {applied.c2pa_state}" if applied.c2pa_state else None, note])),
        )
    return new


def publication_notice(platform: Platform, assets: list[Asset], lang: str) -> str:
    """The visible Measures Art. 6 notice for a published AI work in `lang`.

    The strongest GB 45438 `Label` its served files carry decides: "1" (a producer's
    metadata says AI-generated) shows 「AI生成」, "3" (traces detected) 「疑似AI生成」;
    a work only its uploader declared AI-generated shows 「可能为AI生成」 ("2").
    """
    from culturebridge.errors import Error
    from culturebridge.labels.carriers import carrier_for
    from culturebridge.labels.explicit import SHORT, short_notice
    from culturebridge.labels.gb45438 import LabelKind
    from culturebridge.labels.sniff import sniff

    tiers: list[str] = []
    for asset in assets:
        try:
            data = read_asset(platform, asset)
            found = carrier_for(sniff(data)).read(data)
        except Error:
            continue  # not a labelable file: it says nothing about the tier
        tiers.extend(f.label.label.value for f in found if f.label is not None)
    return short_notice(lang if lang in SHORT else "en", min(tiers) if tiers else LabelKind.POSSIBLY.value)


def original_assets(conn: Connection, work_id: str) -> list[Asset]:
    """A work's assets without our labelled renditions (those are derived from the others)."""
    assets = list_assets(conn, work_id)
    rows = conn.execute(
        select(label_renditions.c.asset_id).where(label_renditions.c.asset_id.in_([a.id for a in assets]))
    )
    made = {r.asset_id for r in rows}
    return [a for a in assets if a.id not in made]
