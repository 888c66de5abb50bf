"""The labels stage on the platform: check every ingested asset, label AI works' files.

`labels-check` (queued for every ingested asset) stores the asset's check report and,
for a work declared AI-generated, ingests an implicitly labelled rendition (GB 45438 +
IPTC, C2PA where the format allows) as a new asset of the same work; the original stays.
`label_for_publication` adds the explicit label in the audience's language when the feed
publishes. Every action is appended to the labelling log.

Label fields we write (Measures Art. 10 — never strip or forge another party's label):
a file that carries a producer's label keeps it and gets our propagator fields; a file
with none, in a work its uploader declared AI-generated, gets Label "2" (可能为AI生成, the
Art. 6 tier for an uploader's declaration) with this platform as ContentProducer and
ContentPropagator and the asset id as ProduceID/PropagateID.

Heavy media libraries are imported inside the functions that need them, so importing
this module (from `pipeline.stages`) stays cheap.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from culturebridge.accounts.users import User, get_user
from culturebridge.catalog import Asset, Work, get_asset, get_work, list_assets, sources_of
from culturebridge.errors import Error, InvalidInput
from culturebridge.ids import now
from culturebridge.labels._tables import label_checks, label_renditions
from culturebridge.labels.keyring import PlatformKeys, has_platform_keys, platform_keys
from culturebridge.labels.log import log_event
from culturebridge.pipeline.status import set_status
from culturebridge.pipeline.worker import Handler, Progress
from culturebridge.platform import Platform

if TYPE_CHECKING:
    from culturebridge.labels.apply import Applied, LabelRequest
    from culturebridge.labels.c2pa import Parent
    from culturebridge.labels.check import Report
    from culturebridge.labels.gb45438 import AIGCLabel
    from culturebridge.labels.sniff import MediaKind

JOB_KIND = "labels-check"
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


@dataclass(frozen=True)
class StoredCheck:
    """The latest check of one asset, as the work page and API show it."""

    asset_id: str
    work_id: str
    kind: str
    verdict: str
    tier: str | None
    report: dict[str, Any]
    rendition_of: str | None  # the asset this one was labelled from, if we made it
    purpose: str | None  # "implicit" or "publication"
    lang: str | None  # the explicit notice's language, for publication copies


def check_handler(platform: Platform) -> Handler:
    """The `labels-check` job handler: params {"asset_id", "work_id"}."""

    def handle(params: dict[str, Any], progress: Progress) -> str:
        asset_id = params.get("asset_id")
        if not isinstance(asset_id, str):
            raise InvalidInput("labels-check job needs an asset_id")
        try:
            return check_asset(platform, asset_id)
        except Error as exc:
            _record_failure(platform, params.get("work_id"), exc)
            raise

    return handle


def _record_failure(platform: Platform, work_id: object, exc: Error) -> None:
    """Show a failed check on the work's pipeline line (the job keeps the full error)."""
    if not isinstance(work_id, str):
        return
    with platform.db.write() as conn:
        try:
            get_work(conn, work_id)
        except Error:
            return  # the work is gone: nothing to show the failure on
        set_status(conn, work_id, "labels", "failed", exc.diagnostic()[:500])


def _read(platform: Platform, asset: Asset) -> bytes:
    with platform.media.open(asset.storage_key) as fh:
        return fh.read()


def _keys(platform: Platform) -> PlatformKeys | None:
    return platform_keys(platform.settings) if has_platform_keys(platform.settings) else None


def _check(data: bytes, name: str, keys: PlatformKeys | None) -> Report:
    from culturebridge.labels.check import check_bytes

    return check_bytes(
        data,
        source=name,
        public_keys=(keys.label_key.public_key(),) if keys else (),
        trust_anchor_pem=keys.credentials.ca_pem if keys else None,
    )


def _tier(report: Report, work: Work) -> str | None:
    from culturebridge.labels.check import platform_tier

    # Measures Art. 6: without an implicit label, the uploader's declaration decides.
    return report.tier or platform_tier(None, uploader_declared=work.ai_generated)


def _rendition_row(conn: Connection, asset_id: str) -> Any:
    return conn.execute(select(label_renditions).where(label_renditions.c.asset_id == asset_id)).first()


def _existing_rendition(conn: Connection, source_id: str, purpose: str, lang: str) -> str | None:
    row = conn.execute(
        select(label_renditions.c.asset_id).where(
            label_renditions.c.source_asset_id == source_id,
            label_renditions.c.purpose == purpose,
            label_renditions.c.lang == lang,
        )
    ).first()
    return None if row is None else str(row.asset_id)


def _parent(platform: Platform, conn: Connection, work: Work) -> Parent | None:
    """The source work's first file C2PA can carry, as `parentOf` ingredient (derivatives)."""
    from culturebridge.labels.c2pa import MIME, Parent
    from culturebridge.labels.sniff import sniff

    for edge in sources_of(conn, work.id)[:1]:
        source = get_work(conn, edge.source_id)
        for candidate in list_assets(conn, source.id)[:5]:
            if candidate.size > MAX_PARENT_BYTES:
                continue
            data = _read(platform, candidate)
            kind = sniff(data)
            if kind in MIME:
                return Parent(data, MIME[kind], f"{source.title()} ({candidate.original_name})")
    return None


def _request(asset: Asset, propagator: str, lang: str | None) -> LabelRequest:
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


def _apply(
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


def _store_check(conn: Connection, asset: Asset, report: Report, tier: str | None) -> None:
    values = {
        "work_id": asset.work_id,
        "kind": report.kind.value,
        "verdict": report.verdict.value,
        "tier": tier,
        "report": report.to_dict(),
        "checked_at": now(),
    }
    key = label_checks.c.asset_id == asset.id
    if conn.execute(select(label_checks.c.asset_id).where(key)).first():
        conn.execute(label_checks.update().where(key).values(**values))
    else:
        conn.execute(label_checks.insert().values(asset_id=asset.id, **values))


def _summary(conn: Connection, work_id: str) -> str:
    rows = list(
        conn.execute(select(label_checks.c.verdict, label_checks.c.tier).where(label_checks.c.work_id == work_id))
    )
    verdicts = Counter(r.verdict for r in rows)
    tiers = sorted({r.tier for r in rows if r.tier})
    text = f"{len(rows)} checked: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
    return text + (" · " + " ".join(f"「{t}」" for t in tiers) if tiers else "")


def _add_rendition(
    conn: Connection,
    platform: Platform,
    owner: User,
    source: Asset,
    applied: Applied,
    purpose: str,
    lang: str,
) -> Asset:
    from culturebridge.pipeline.ingest import ingest  # imports pipeline.stages, which imports us

    tag = "ai-labelled" if purpose == "implicit" else f"ai-labelled-{lang}"
    with conn.begin_nested():
        new = ingest(conn, platform, owner, source.work_id, io.BytesIO(applied.data), _name(source, applied.kind, tag))
        conn.execute(
            label_renditions.insert().values(
                asset_id=new.id, source_asset_id=source.id, purpose=purpose, lang=lang, created_at=now()
            )
        )
    return new


def check_asset(platform: Platform, asset_id: str) -> str:
    """Check one asset, store the report, label an AI work's file; returns a one-line summary."""
    with platform.db.read() as conn:
        asset = get_asset(conn, asset_id)
        work = get_work(conn, asset.work_id)
        made_by_us = _rendition_row(conn, asset.id) is not None
        done_before = _existing_rendition(conn, asset.id, "implicit", "") is not None
    data = _read(platform, asset)
    keys = _keys(platform)
    report = _check(data, asset.original_name, keys)
    tier = _tier(report, work)
    message = f"{asset.original_name}: {report.verdict.value}" + (f" 「{tier}」" if tier else "")
    applied: Applied | None = None
    note: str | None = None
    refused: str | None = None
    if work.ai_generated and not made_by_us and not done_before:
        from culturebridge.labels.sniff import MediaKind

        if report.kind == MediaKind.UNKNOWN or report.verdict.value == "unreadable":
            refused = f"no labelled rendition: {'; '.join(report.reasons) or 'unsupported format'}"
        else:
            try:
                with platform.db.read() as conn:
                    parent = _parent(platform, conn, work)
                has_c2pa = report.c2pa is not None and report.c2pa.present
                request = _request(asset, platform.settings.label_propagator, None)
                applied, note = _apply(data, report.kind, request, keys, parent, has_c2pa)
            except Error as exc:
                refused = f"no labelled rendition: {exc.diagnostic()}"
    with platform.db.write() as conn:
        _store_check(conn, asset, report, tier)
        label = report.label.to_dict() if report.label else None
        log_event(
            conn,
            "check",
            work_id=work.id,
            asset_id=asset.id,
            label=label,
            verdict=report.verdict.value,
            tier=tier,
            detail="; ".join(report.reasons) or None,
        )
        if applied is not None:
            owner = get_user(conn, work.owner_id)
            try:
                new = _add_rendition(conn, platform, owner, asset, applied, "implicit", "")
            except Error as exc:
                refused = f"labelled rendition not stored: {exc.diagnostic()}"
            else:
                log_event(
                    conn,
                    "rendition",
                    actor_id=owner.id,
                    actor=owner.username,
                    work_id=work.id,
                    asset_id=asset.id,
                    result_asset_id=new.id,
                    label=applied.label.to_dict(),
                    detail="; ".join(filter(None, [f"C2PA {applied.c2pa_state}" if applied.c2pa_state else None, note])),
                )
                message += f"; labelled rendition {new.id}"
        if refused is not None:
            log_event(conn, "refused", work_id=work.id, asset_id=asset.id, label=label, detail=refused)
            message += f"; {refused}"
        set_status(conn, work.id, "labels", "done", _summary(conn, work.id))
    return message


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
        done = _existing_rendition(conn, asset.id, "publication", lang)
        if done is not None:
            return get_asset(conn, done)
        implicit = _existing_rendition(conn, asset.id, "implicit", "")
        source = get_asset(conn, implicit) if implicit else asset
        parent = _parent(platform, conn, work)
    data = _read(platform, source)
    keys = _keys(platform)
    report = _check(data, source.original_name, keys)
    if not work.ai_generated and report.label is None:
        return asset
    has_c2pa = report.c2pa is not None and report.c2pa.present
    request = _request(asset, platform.settings.label_propagator, lang)
    applied, note = _apply(data, report.kind, request, keys, parent, has_c2pa)
    with platform.db.write() as conn:
        who = actor or get_user(conn, work.owner_id)
        new = _add_rendition(conn, platform, who, asset, applied, "publication", lang)
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
            data = _read(platform, asset)
            found = carrier_for(sniff(data)).read(data)
        except Error:
            continue  # not a labelable file: it says nothing about the tier
        tiers.extend(f.label.label.value for f in found if f.label is not None)
    return short_notice(lang if lang in SHORT else "en", min(tiers) if tiers else LabelKind.POSSIBLY.value)


def stored_check(conn: Connection, asset_id: str) -> StoredCheck | None:
    """The latest stored check of an asset, or None when it was not checked yet."""
    row = conn.execute(select(label_checks).where(label_checks.c.asset_id == asset_id)).first()
    if row is None:
        return None
    made = _rendition_row(conn, asset_id)
    return StoredCheck(
        row.asset_id,
        row.work_id,
        row.kind,
        row.verdict,
        row.tier,
        dict(row.report),
        made.source_asset_id if made else None,
        made.purpose if made else None,
        (made.lang or None) if made else None,
    )
