"""Load the demo pack into an initialised platform: accounts, IPs, works, lineage, media."""

from __future__ import annotations

import io
from collections.abc import Callable

from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge import pipeline as automation
from culturebridge.accounts import create_user, list_users
from culturebridge.catalog import NewWork
from culturebridge.demo.audience import write_history
from culturebridge.demo.pack import DemoPack, load_pack, render_many
from culturebridge.feed.publish import publish_work
from culturebridge.jobs import ingest
from culturebridge.localize.glossary_store import seed_glossary
from culturebridge.pipeline import Condition
from culturebridge.platform import Platform

DEMO_REVIEWER = ("reviewer", "culturebridge-demo")
# The demo workspace's automation rules, on from the start: (name, condition, action, params).
DEMO_RULES: tuple[tuple[str, Condition, str, dict[str, object]], ...] = (
    ("AI derivative of a classic or children's IP → review on upload",
     Condition(ai_generated=True, derived=True, protections=("classic", "childrens")), "review", {}),
    ("Register rights on upload", Condition(), "register", {}),
    ("Localize new micro-drama episodes into en and th",
     Condition(derived=False, kinds=("micro-drama-episode",)), "localize", {"locales": ["en", "th"], "engine": "human"}),
)


def seed_memory(conn: Connection, pack: DemoPack, user_id: str) -> int:
    """Put the pack's own human translations (each work's English title and synopsis) in the memory.

    Synopsis sentences are paired only when both languages have as many sentences, so every
    entry is a real human translation of its source sentence.
    """
    from culturebridge.localize import remember
    from culturebridge.localize.work_localization import (
        split_sentences,  # the same cut the segments get
    )

    stored = 0
    for work in pack.works:
        source, target = work.original_language, "en"
        if source == target or target not in work.titles:
            continue
        pairs = [(work.titles[source], work.titles[target])]
        zh, en = split_sentences(work.synopses[source]), split_sentences(work.synopses[target])
        if len(zh) == len(en):
            pairs += list(zip(zh, en, strict=True))
        for src, tgt in pairs:
            remember(conn, work.ip, source, target, src, " ".join(tgt.split()), origin="human", user_id=user_id)
            stored += 1
    return stored


def load_demo(platform: Platform, pack: DemoPack | None = None, progress: Callable[[str], None] = print,
              *, audience: bool = True) -> str:
    """Put the demo pack into `platform` (with weeks of audience history unless `audience` is
    False); return a one-line summary."""
    pack = pack or load_pack()
    db = platform.db
    with db.write() as conn:
        admin = next(u for u in list_users(conn) if u.role == "admin")
        users = {}
        for creator in pack.creators:
            name = " / ".join(dict.fromkeys(creator.display_name.values()))
            users[creator.username] = create_user(conn, creator.username, creator.password, creator.role, name)
        create_user(conn, DEMO_REVIEWER[0], DEMO_REVIEWER[1], "reviewer", "Demo reviewer / 演示审核员")
        for card in pack.ips:
            catalog.add_ip(conn, admin, card)
        for name, condition, action, params in DEMO_RULES:
            automation.add_rule(conn, admin, name, condition, action, params)
        remembered = seed_memory(conn, pack, admin.id)
    progress(f"{len(pack.creators)} creators, {len(pack.ips)} IPs with canon cards, {len(DEMO_RULES)} automation rules, "
             f"{remembered} human translations in the translation memory")

    ordered = pack.in_lineage_order()
    with db.write() as conn:
        for work in ordered:
            owner = users[work.creator]
            ai = work.derived_from.ai_generated if work.derived_from else False
            new = NewWork(
                kind=work.kind,
                original_language=work.original_language,
                titles=work.titles,
                synopses=work.synopses,
                rights_holder=owner.display_name,
                ip_name=work.ip,
                markets=work.markets,
                ai_generated=ai,
            )
            catalog.create_work(conn, owner, new, work_id=work.id)
            if work.derived_from is not None:
                d = work.derived_from
                # Across creators the platform (an admin) records the licensed derivation: a creator
                # may only name as source a work they can view.
                source_owner = catalog.get_work(conn, d.work).owner_id
                actor = owner if source_owner == owner.id else admin
                catalog.add_derivation(conn, actor, d.work, work.id, d.kind, d.tool, d.ai_generated)
    progress(f"{len(ordered)} works with their lineage")

    specs = [(work, spec) for work in ordered for spec in work.media]
    progress(f"rendering {len(specs)} media files (cached in {platform.settings.data_dir / 'cache'})")
    rendered = render_many([s for _, s in specs], platform.settings.data_dir / "cache" / "demo-media")
    with db.write() as conn:
        for (work, _), media in zip(specs, rendered, strict=True):
            ingest(conn, platform, users[work.creator], work.id, io.BytesIO(media.data), media.filename)
    with db.write() as conn:
        for card in pack.ips:
            seed_glossary(conn, card.name)
    # Human-made works go out to every market they name, so the audience feed has something
    # to show; AI works are left for the studio, where publishing them applies their labels.
    published = 0
    for work in ordered:
        if work.derived_from is None or not work.derived_from.ai_generated:
            for market in work.markets:
                publish_work(platform, users[work.creator], work.id, market)
                published += 1
    progress(f"{published} publications across markets; glossaries seeded for {len(pack.ips)} IPs")
    history = write_history(platform, progress=progress) if audience else "no audience history"
    return (f"{len(ordered)} works, {len(specs)} media files, {len(pack.ips)} IPs, {len(pack.creators) + 1} accounts, "
            f"{history}")
