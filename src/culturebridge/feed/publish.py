"""Publishing a work to a market: pick the localized version, label AI works, record what is served.

The version shown in market COUNTRY/lang is a translation derivative of the work whose
language is `lang` (localize stage), else the work itself. For AI works each served file
is the labels stage's publication rendition (explicit + implicit label, Measures for
Labelling AI-Generated Content Art. 4-6); a file that cannot be labelled is not served.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from culturebridge import catalog, labels
from culturebridge.accounts import User
from culturebridge.catalog import Asset, Work
from culturebridge.errors import InvalidInput, PermissionDenied, PublicationBlocked
from culturebridge.feed.refresh import queue_refresh
from culturebridge.feed.store import (
    Publication,
    base_lang,
    check_market,
    market_language,
    save_publication,
)
from culturebridge.jobs import set_status, statuses
from culturebridge.platform import Platform


@dataclass(frozen=True)
class PublishResult:
    """The stored publication and the files left out (with why)."""

    publication: Publication
    skipped: tuple[tuple[str, str], ...]  # (asset_id, reason)


def localized_version(conn: Connection, work: Work, language: str) -> Work:
    """The translation derivative of `work` in `language`, else the work itself."""
    if base_lang(work.original_language) == base_lang(language):
        return work
    for edge in catalog.derived_works(conn, work.id, kind="translation"):
        derived = catalog.get_work(conn, edge.derived_id)
        if base_lang(derived.original_language) == base_lang(language):
            return derived
    return work


def _label_text(platform: Platform, served: list[Asset], language: str) -> str:
    """The Measures Art. 6 notice: 「AI生成」 only when a file's metadata says so; an uploader's
    declaration alone shows 「可能为AI生成」 (labels stage, `publication_notice`)."""
    return labels.publication_notice(platform, served, base_lang(language))


def refuse_rejected(conn: Connection, work: Work) -> None:
    """PublicationBlocked while the work's review decision in force is reject (its review stage status)."""
    [review] = statuses(conn, work.id, ("review",))
    if review.state == "done" and (review.detail or "").startswith("reject"):
        raise PublicationBlocked(
            f"work {work.id} cannot be published: its review decision is {review.detail}",
            hint="revise the work and submit it for review again, or appeal the decision",
        )


def publish_work(platform: Platform, actor: User, work_id: str, market: str) -> PublishResult:
    """Publish a work in a market (owner or admin); re-publishing refreshes the served files."""
    check_market(market)
    language = market_language(market)
    with platform.db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_editor(actor, work)
        if actor.role not in ("admin", "creator"):
            raise PermissionDenied(f"{actor.username} may not publish works")
        refuse_rejected(conn, work)
        served = localized_version(conn, work, language)
        assets = labels.original_assets(conn, served.id)
    ai = work.ai_generated or served.ai_generated
    pairs: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for asset in assets:
        if not ai:
            pairs.append((asset.id, asset.id))
            continue
        try:
            labelled = labels.label_for_publication(platform, asset, base_lang(language), actor=actor)
        except InvalidInput as exc:  # the labels stage cannot draw a label on this format
            skipped.append((asset.id, exc.message))
            continue
        pairs.append((asset.id, labelled.id))
    if ai:
        with platform.db.read() as conn:
            served_files = [catalog.get_asset(conn, labelled_id) for _, labelled_id in pairs]
        label = _label_text(platform, served_files, language)
    else:
        label = ""
    with platform.db.write() as conn:
        publication = save_publication(conn, work.id, market, served.id, label, actor.id, pairs)
        detail = f"published in {market}" + (f"; {len(skipped)} file(s) not labelable, not served" if skipped else "")
        set_status(conn, work.id, "feed", "done", detail)
        queue_refresh(conn, actor.id)
    return PublishResult(publication, tuple(skipped))
