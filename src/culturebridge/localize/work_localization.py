"""Localizing a work on the platform: its segments, the background job, the localized version.

The segments of a work are its title, its synopsis sentence by sentence, and the cues of its
SRT/WebVTT assets. The job runs TM -> glossary -> engine -> QA over them, saving each batch
(`DbCheckpoint`) so a re-run resumes. When the title is translated, the localized version
exists as a derived work (derivation kind `translation`, `ai_generated` when an engine wrote
any of it, per GB 45438 labelling of AI output) with its subtitles fitted to the locale.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import BinaryIO

from sqlalchemy import Connection

from culturebridge.accounts.users import User, get_user
from culturebridge.catalog.assets import list_assets, reinstate_asset, supersede_asset
from culturebridge.catalog.ips import get_ip_by_id
from culturebridge.catalog.lineage import add_derivation
from culturebridge.catalog.models import Asset, Work
from culturebridge.catalog.works import NewWork, create_work, get_work, update_work
from culturebridge.errors import DuplicateAsset, Error, InvalidInput
from culturebridge.jobs import Handler, Progress, enqueue, get_job, ingest, set_status
from culturebridge.localize.checkpoint import JobResult, run_job
from culturebridge.localize.engine_spec import EngineSpec, build_engine
from culturebridge.localize.glossary import Glossary
from culturebridge.localize.glossary_store import ensure_glossary, stored_glossary
from culturebridge.localize.localizations import (
    JOB_KIND,
    DbCheckpoint,
    Localization,
    StoredSegment,
    attach_job,
    create_localization,
    get_localization_by_id,
    get_segment,
    list_localizations,
    overall_state,
    save_edit,
    segments_of,
    set_state,
    sync_segments,
)
from culturebridge.localize.memory import from_xliff, to_xliff
from culturebridge.localize.memory_store import load_memory, remember
from culturebridge.localize.qa import check_pair
from culturebridge.localize.segments import Context, Segment, base_language
from culturebridge.localize.subtitles import Cue, fit_cues, parse_subtitles, to_srt, to_vtt
from culturebridge.localize.translator import (
    GlossaryEnforcer,
    QAChecked,
    TMTranslator,
    first_mentions,
)
from culturebridge.platform import Platform
from culturebridge.storage import MediaStore

SUBTITLE_SUFFIXES = (".srt", ".vtt")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])\s*|(?<=[.])\s+")
_CJK_TARGETS = ("zh", "ja", "th")


# --- segments ------------------------------------------------------------------------------


def _read(media: MediaStore, asset: Asset) -> bytes:
    with media.open(asset.storage_key) as fh:
        return fh.read()


def split_sentences(text: str) -> list[str]:
    """A synopsis cut into sentences (Chinese and Latin end marks), empty pieces dropped."""
    return [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]


def subtitle_assets(conn: Connection, work_id: str) -> list[Asset]:
    """A work's SRT and WebVTT assets."""
    return [a for a in list_assets(conn, work_id) if PurePath(a.original_name).suffix.lower() in SUBTITLE_SUFFIXES]


def work_segments(conn: Connection, media: MediaStore, work: Work) -> tuple[list[Segment], list[str]]:
    """(segments, problems with its subtitle files) of a work in its original language."""
    lang = work.original_language
    title = work.titles.get(lang) or next(iter(work.titles.values()))
    found = [Segment("title", title)]
    found += [Segment(f"synopsis:{i}", s) for i, s in enumerate(split_sentences(work.synopses.get(lang, "")))]
    problems: list[str] = []
    for asset in subtitle_assets(conn, work.id):
        try:
            parsed = parse_subtitles(_read(media, asset))
        except (Error, OSError) as exc:  # one bad file must not stop the title and synopsis
            reason = exc.diagnostic() if isinstance(exc, Error) else str(exc)
            problems.append(f"{asset.original_name}: {reason}")
            continue
        found += [Segment(f"sub:{asset.id}:{n}", c.text.replace("\n", " ")) for n, c in enumerate(parsed)
                  if c.text.strip()]
    return found, problems


# --- requesting --------------------------------------------------------------------------


def request_localization(conn: Connection, actor: User, work_id: str, target: str, engine: EngineSpec) -> Localization:
    """Create or re-open a work's localization and queue the job that translates it."""
    loc = create_localization(conn, actor, work_id, target, engine)
    queued = get_job(conn, loc.job_id) if loc.job_id else None
    if queued is None or queued.state != "queued":  # a job still waiting will pick up the new engine
        job = enqueue(conn, JOB_KIND, {"localization_id": loc.id}, created_by=actor.id)
        attach_job(conn, loc.id, job.id)
    _stage_status(conn, work_id)
    return get_localization_by_id(conn, loc.id)


def rerun_localization(conn: Connection, actor: User, work_id: str, target: str) -> Localization:
    """Queue a localization again with its engine: finishes what is missing, rebuilds subtitles."""
    from culturebridge.localize.localizations import get_localization

    return request_localization(conn, actor, work_id, target, get_localization(conn, work_id, target).engine)


def _stage_status(conn: Connection, work_id: str) -> None:
    # One `localize` stage row per work sums up all its locales (`jobs.set_status`).
    locs = list_localizations(conn, work_id)
    if not locs:
        return
    states = {loc.state for loc in locs}
    stage = "failed" if "failed" in states else "running" if states & {"queued", "running", "needs_human"} else "done"
    detail = ", ".join(f"{loc.target_lang}: {loc.state.replace('_', ' ')}" for loc in locs)
    set_status(conn, work_id, "localize", stage, detail)


# --- running -----------------------------------------------------------------------------


def _glossary(platform: Platform, work: Work, source_lang: str) -> Glossary:
    if work.ip_id is None:
        return Glossary("", base_language(source_lang))
    with platform.db.write() as conn:  # seeded from the stored canon card on first use and after edits
        return ensure_glossary(conn, get_ip_by_id(conn, work.ip_id).name, base_language(source_lang))


def run_localization(platform: Platform, localization_id: str, progress: Progress | None = None) -> str:
    """Translate what is unfinished in one localization, then (re)build the localized version."""
    with platform.db.write() as conn:
        loc = get_localization_by_id(conn, localization_id)
        work = get_work(conn, loc.work_id)
        wanted, problems = work_segments(conn, platform.media, work)
        sync_segments(conn, loc.id, wanted)
        set_state(conn, loc.id, "running")
        _stage_status(conn, work.id)
    try:
        result = _translate(platform, loc, work, wanted, progress)
    except BaseException:  # whatever stopped the job, the localization must not stay "running"
        with platform.db.write() as conn:
            set_state(conn, loc.id, "failed")
            _stage_status(conn, work.id)
        raise
    with platform.db.write() as conn:
        state = finish_localization(conn, platform, loc.id)
    # Only finished segments are reused, so every failed or open one is from this run.
    counts = {status: sum(1 for t in result.translations if t.status == status)
              for status in ("translated", "needs_human", "failed")}
    notes = "; ".join(problems)
    return (f"{loc.target_lang}: {state.replace('_', ' ')} — {counts['translated'] - result.reused} new, "
            f"{result.reused} reused, "
            f"{counts['failed']} failed, {counts['needs_human']} awaiting a translator"
            + (f"; skipped {notes}" if notes else ""))


def _translate(platform: Platform, loc: Localization, work: Work, wanted: list[Segment],
               progress: Progress | None) -> JobResult:
    engine = build_engine(loc.engine, platform.settings)
    source, target = loc.source_lang, loc.target_lang
    glossary = _glossary(platform, work, source)
    ip_name = glossary.ip or None
    with platform.db.read() as conn:
        tm = load_memory(conn, ip_name, source, target)
    checkpoint = DbCheckpoint(platform.db, loc.id)
    # First mentions are tracked per job, seeded from what an earlier run already finished.
    mentions = first_mentions(glossary, list(checkpoint.finished().values()), target)
    pipeline = QAChecked(TMTranslator(tm, GlossaryEnforcer(glossary, engine, mentions=mentions)), glossary)

    def on_batch(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total, f"{done}/{total} segments into {target}")

    return run_job(pipeline, wanted, source, target, checkpoint, Context(ip=ip_name), on_batch=on_batch)


def handler(platform: Platform) -> Handler:
    """The `localize-work` job handler for a worker of this platform."""

    def run(params: dict[str, object], progress: Progress) -> str:
        localization_id = params.get("localization_id")
        if not isinstance(localization_id, str):
            raise InvalidInput(f"a {JOB_KIND} job needs a localization_id, got {params!r}")
        return run_localization(platform, localization_id, progress)

    return run


# --- the localized version ---------------------------------------------------------------


def finish_localization(conn: Connection, platform: Platform, localization_id: str, subtitles: bool = True) -> str:
    """Recompute a localization's state, (re)build its derived work, update the stage status.

    Subtitle files are rebuilt only when asked (by the job): a rebuild stores a new asset that
    supersedes the previous one (catalog.supersede_asset), so human edits refresh title and
    synopsis at once and subtitles on the next (free) re-run.
    """
    loc = get_localization_by_id(conn, localization_id)
    stored = segments_of(conn, loc.id)
    state = overall_state(stored)
    derived = materialize(conn, platform, loc, stored, subtitles)
    set_state(conn, loc.id, state, derived)
    _stage_status(conn, loc.work_id)
    return state


def _machine_made(stored: list[StoredSegment]) -> bool:
    # Memory hits (`tm:...`) hold human or imported translations; anything else an engine wrote.
    return any(s.state == "translated" and s.target and not (s.origin or "").startswith("tm:") for s in stored)


def _joined(parts: list[str], target: str) -> str:
    return ("" if base_language(target) in _CJK_TARGETS else " ").join(parts)


def materialize(conn: Connection, platform: Platform, loc: Localization, stored: list[StoredSegment],
                subtitles: bool = True) -> str | None:
    """Create or update the localized version once its title is translated; its id, or None."""
    by_id = {s.id: s for s in stored}
    title = by_id.get("title")
    if title is None or not title.target:
        return loc.derived_id
    source = get_work(conn, loc.work_id)
    actor = get_user(conn, loc.created_by or source.owner_id)
    synopsis = [s for s in stored if s.id.startswith("synopsis:")]
    target = loc.target_lang
    text = _joined([s.target or "" for s in synopsis], target) if all(s.target for s in synopsis) else ""
    ai = _machine_made(stored)
    ip_name = get_ip_by_id(conn, source.ip_id).name if source.ip_id else None
    markets = [m for m in source.markets if base_language(m.split("/")[-1]) == base_language(target)]
    new = NewWork(kind=source.kind, original_language=target, titles={target: title.target},
                  synopses={target: text} if text else {}, rights_holder=source.rights_holder, ip_name=ip_name,
                  markets=markets, ai_generated=ai)
    if loc.derived_id is None:
        derived = create_work(conn, actor, new)
        add_derivation(conn, actor, source.id, derived.id, "translation", loc.engine.label, ai)
    else:
        derived = update_work(conn, actor, loc.derived_id, new)
    if subtitles:
        _add_subtitles(conn, platform, actor, derived.id, loc, by_id)
    return derived.id


def _add_subtitles(conn: Connection, platform: Platform, actor: User, derived_id: str, loc: Localization,
                   by_id: dict[str, StoredSegment]) -> None:

    sources = subtitle_assets(conn, loc.work_id)
    stems = [PurePath(a.original_name).stem.casefold() for a in sources]
    for asset in sources:
        try:
            cues = parse_subtitles(_read(platform.media, asset))
        except (Error, OSError):
            continue  # reported by the job; nothing to translate
        out: list[Cue] = []
        for n, c in enumerate(cues):
            seg = by_id.get(f"sub:{asset.id}:{n}")
            if seg is None or not seg.target:
                if c.text.strip():
                    return  # not every cue is translated yet: no half-translated file
                continue
            out.append(Cue(c.start_ms, c.end_ms, seg.target))
        fitted = fit_cues(out, loc.target_lang)
        path = PurePath(asset.original_name)
        body = (to_vtt(fitted.cues) if path.suffix.lower() == ".vtt" else to_srt(fitted.cues)).encode("utf-8")
        # Two source files of one name get the source asset id in theirs, so neither replaces the other.
        stem = path.stem if stems.count(path.stem.casefold()) == 1 else f"{path.stem}.{asset.id}"
        _replace_subtitle(conn, platform, actor, derived_id, f"{stem}.{loc.target_lang}{path.suffix.lower()}", body,
                          ingest)


def _replace_subtitle(conn: Connection, platform: Platform, actor: User, derived_id: str, name: str, body: bytes,
                      ingest: Callable[[Connection, Platform, User, str, BinaryIO, str], Asset]) -> None:
    """Store a rebuilt subtitle file as the one current version of `name` (older ones superseded)."""
    sha = hashlib.sha256(body).hexdigest()
    previous = [a for a in list_assets(conn, derived_id) if a.original_name == name]
    if any(a.sha256 == sha for a in previous):
        return  # unchanged since the last run
    try:
        with conn.begin_nested():
            new = ingest(conn, platform, actor, derived_id, io.BytesIO(body), name)
    except DuplicateAsset:
        # The same bytes as an earlier, superseded version (an edit undone): make that one current.
        new = next(a for a in list_assets(conn, derived_id, include_superseded=True) if a.sha256 == sha)
        reinstate_asset(conn, new.id)
        previous = [a for a in list_assets(conn, derived_id) if a.original_name == name and a.id != new.id]
    for old in previous:
        supersede_asset(conn, old.id, new.id)


# --- human edits ---------------------------------------------------------------------------


def _apply_edit(conn: Connection, actor: User, loc: Localization, glossary: Glossary | None, segment_id: str,
                text: str) -> StoredSegment:
    seg = get_segment(conn, loc.id, segment_id)
    text = text.strip()
    issues = check_pair(segment_id, seg.source, text, loc.source_lang, loc.target_lang, glossary)
    saved = save_edit(conn, actor, loc, segment_id, text, issues)
    remember(conn, glossary.ip if glossary else None, loc.source_lang, loc.target_lang, seg.source, text,
             "human", actor.id)
    return saved


def _glossary_of(conn: Connection, loc: Localization) -> Glossary | None:
    work = get_work(conn, loc.work_id)
    if work.ip_id is None:
        return None
    return stored_glossary(conn, get_ip_by_id(conn, work.ip_id).name, base_language(loc.source_lang))


def edit_segment(conn: Connection, platform: Platform, actor: User, localization_id: str, segment_id: str,
                 text: str) -> StoredSegment:
    """Save a person's translation, check it, add it to the TM, and refresh the localized version."""
    loc = get_localization_by_id(conn, localization_id)
    saved = _apply_edit(conn, actor, loc, _glossary_of(conn, loc), segment_id, text)
    finish_localization(conn, platform, loc.id, subtitles=False)
    return saved


def to_localization_xliff(conn: Connection, localization_id: str) -> bytes:
    """The localization's segments as XLIFF 2.0 for an outside translator (targets where done)."""
    loc = get_localization_by_id(conn, localization_id)
    items = [s.to_translation() for s in segments_of(conn, loc.id)]
    return to_xliff(items, loc.source_lang, loc.target_lang)


def import_localization_xliff(conn: Connection, platform: Platform, actor: User, localization_id: str,
                              data: bytes) -> tuple[int, list[str]]:
    """Apply an outside translator's XLIFF 2.0 targets as edits; (segments updated, units refused)."""
    loc = get_localization_by_id(conn, localization_id)
    _, target_lang, units = from_xliff(data)
    if target_lang and base_language(target_lang) != base_language(loc.target_lang):
        raise InvalidInput(f"the XLIFF file is for {target_lang}, this localization is into {loc.target_lang}")
    stored = {s.id: s for s in segments_of(conn, loc.id)}
    glossary = _glossary_of(conn, loc)
    updated, refused = 0, []
    for u in units:
        seg = stored.get(u.id)
        if seg is None or seg.source.strip() != u.source.strip():
            refused.append(f"{u.id}: {'unknown segment' if seg is None else 'source changed since export'}")
            continue
        if u.target and u.target.strip() and u.target.strip() != (seg.target or ""):
            _apply_edit(conn, actor, loc, glossary, u.id, u.target)
            updated += 1
    finish_localization(conn, platform, loc.id, subtitles=False)
    return updated, refused
