"""The labels stage's per-asset job: check every ingested file, label an AI work's files.

`labels-check` (queued for every ingested asset) stores the asset's check report (what
labels it carries, whether they verify, the Art. 6 tier to show) and appends it to the
labelling log; for a work declared AI-generated it makes the implicitly labelled rendition
(`renditions`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from culturebridge.accounts import get_user
from culturebridge.catalog import Asset, Work, get_asset, get_work
from culturebridge.errors import Error, InvalidInput
from culturebridge.ids import now
from culturebridge.jobs import Handler, Progress, set_status
from culturebridge.labels._tables import label_checks
from culturebridge.labels.log import log_event
from culturebridge.labels.renditions import (
    add_rendition,
    apply_platform_labels,
    check_data,
    existing_rendition,
    keys_of,
    label_request,
    read_asset,
    rendition_row,
    source_ingredient,
)
from culturebridge.platform import Platform

if TYPE_CHECKING:
    from culturebridge.labels.apply import Applied
    from culturebridge.labels.check import Report

JOB_KIND = "labels-check"


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


def _tier(report: Report, work: Work) -> str | None:
    from culturebridge.labels.check import platform_tier

    # Measures Art. 6: without an implicit label, the uploader's declaration decides.
    return report.tier or platform_tier(None, uploader_declared=work.ai_generated)


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


def check_asset(platform: Platform, asset_id: str) -> str:
    """Check one asset, store the report, label an AI work's file; returns a one-line summary."""
    with platform.db.read() as conn:
        asset = get_asset(conn, asset_id)
        work = get_work(conn, asset.work_id)
        made_by_us = rendition_row(conn, asset.id) is not None
        done_before = existing_rendition(conn, asset.id, "implicit", "") is not None
    data = read_asset(platform, asset)
    keys = keys_of(platform)
    report = check_data(data, asset.original_name, keys)
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
                    parent = source_ingredient(platform, conn, work)
                has_c2pa = report.c2pa is not None and report.c2pa.present
                request = label_request(asset, platform.settings.label_propagator, None)
                applied, note = apply_platform_labels(data, report.kind, request, keys, parent, has_c2pa)
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
                new = add_rendition(conn, platform, owner, asset, applied, "implicit", "")
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


def stored_check(conn: Connection, asset_id: str) -> StoredCheck | None:
    """The latest stored check of an asset, or None when it was not checked yet."""
    row = conn.execute(select(label_checks).where(label_checks.c.asset_id == asset_id)).first()
    if row is None:
        return None
    made = rendition_row(conn, asset_id)
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
