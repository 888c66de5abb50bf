"""The review stage on the platform: review a stored work against its IP's canon card.

`submit_work` queues the `review-work` job; `review_work` (what the job runs) reads the
work's title and synopsis per language, the key frames of its image and video assets,
the IP's canon card from the catalog and the labels stage's verdicts, runs the policy,
and stores the result: pass/reject decide at once (with allowed automatic fixes listed),
review goes to the human desk. The models are built once per process (`shared_models`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from culturebridge.accounts.users import User, get_user
from culturebridge.catalog import (
    CanonCard,
    Work,
    get_ip_by_id,
    get_work,
    list_assets,
    list_ips,
    require_editor,
)
from culturebridge.errors import Error, ReviewTextInvalid, WorkNotFound
from culturebridge.jobs import Handler, Job, Progress, enqueue, set_status
from culturebridge.platform import Platform
from culturebridge.review.audit import append
from culturebridge.review.decision import Decision, decide
from culturebridge.review.desk import StoredItem, record_review
from culturebridge.review.findings import Finding, Frame, ReviewItem
from culturebridge.review.models import Models, load_models
from culturebridge.review.policy import Policy, load_policy
from culturebridge.review.reviewer import Reviewer
from culturebridge.storage import MediaStore

JOB_KIND = "review-work"
CANON_POLICY = "cn-nrta-ai-alteration"  # works adapting a catalogued IP
GENERIC_POLICY = "generic-safety"  # works without an IP: no canon to be faithful to
MAX_FRAMES = 6
MAX_IMAGE_BYTES = 16 * 1024**2
_REVIEW_LANGS = ("zh", "en")


@functools.cache
def shared_models() -> Models:
    """One lazily loaded `Models` per process (USE and the classifiers are slow to load)."""
    return load_models(threads=1)


_REVIEWERS: dict[tuple[str, str], tuple[Models, Reviewer]] = {}


def _reviewer(pack: Policy, cards: dict[str, CanonCard], models: Models) -> Reviewer:
    """A Reviewer reused while the policy, the canon cards and the models are the same.

    Compiling a card's canon index takes about half a second; a Reviewer keeps the compiled
    indexes, so building one per work would pay that for every review.
    """
    digest = hashlib.sha256(json.dumps({n: c.to_dict() for n, c in sorted(cards.items())}, sort_keys=True,
                                       ensure_ascii=False).encode("utf-8")).hexdigest()
    key = (pack.ref, digest)
    found = _REVIEWERS.get(key)
    if found is not None and found[0] is models:
        return found[1]
    reviewer = Reviewer(pack, cards, models=models)
    if len(_REVIEWERS) >= 16:
        _REVIEWERS.clear()
    _REVIEWERS[key] = (models, reviewer)
    return reviewer


def cards_from_db(conn: Connection) -> dict[str, CanonCard]:
    """Every catalogued IP's canon card, by IP name."""
    return {ip.name: ip.canon for ip in list_ips(conn)}


def policy_for(work: Work, name: str | None = None) -> Policy:
    """The named policy, else the canon policy for an IP's adaptation, else generic safety."""
    return load_policy(name or (CANON_POLICY if work.ip_id else GENERIC_POLICY))


def texts_of(work: Work) -> list[dict[str, Any]]:
    """What is reviewed, per language: the title and the synopsis (the title alone if no synopsis)."""
    langs = sorted(set(work.titles) | set(work.synopses))
    out = []
    for lang in langs:
        title, text = work.titles.get(lang, ""), work.synopses.get(lang, "")
        if title.strip() or text.strip():
            out.append({"lang": lang, "title": title, "text": text})
    return out


def labelled(conn: Connection, work: Work) -> bool:
    """Whether a file of the work carries a compliant AI label (the labels stage's verdict)."""
    from culturebridge.labels import stored_check

    for asset in list_assets(conn, work.id):
        check = stored_check(conn, asset.id)
        if check is not None and check.verdict == "compliant":
            return True
    return False


def key_frames(conn: Connection, media: MediaStore, work: Work) -> tuple[Frame, ...]:
    """Up to MAX_FRAMES stills: image assets as they are, three frames of each video (ffmpeg)."""
    frames: list[Frame] = []
    for asset in list_assets(conn, work.id):
        if len(frames) >= MAX_FRAMES:
            break
        if asset.media_type in ("image/png", "image/jpeg", "image/webp") and asset.size <= MAX_IMAGE_BYTES:
            with media.open(asset.storage_key) as fh:
                frames.append(Frame(0.0, fh.read()))
        elif asset.media_type.startswith("video/") and asset.duration:
            with media.local_file(asset.storage_key) as path:
                for t in (asset.duration * 0.1, asset.duration * 0.5, asset.duration * 0.9):
                    still = _video_frame(str(path), t)
                    if still:
                        frames.append(Frame(round(t, 2), still))
    return tuple(frames[:MAX_FRAMES])


def _video_frame(path: str, at: float) -> bytes | None:
    try:
        done = subprocess.run(
            ["ffmpeg", "-v", "error", "-ss", f"{at:.2f}", "-i", path, "-frames:v", "1", "-vf", "scale=320:-2",
             "-f", "image2pipe", "-c:v", "png", "-"],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None  # a frame we cannot extract is skipped; the text is still reviewed
    return done.stdout if done.returncode == 0 and done.stdout else None


def reviewed_fields(entry: dict[str, Any]) -> tuple[str, str]:
    """(title, text) as reviewed: the synopsis as text, or the title as text when there is none."""
    title, text = str(entry.get("title", "")), str(entry.get("text", ""))
    return (title, text) if text.strip() else ("", title)


def review_texts(reviewer: Reviewer, work: Work, ip: str, texts: list[dict[str, Any]], *, is_labelled: bool,
                 frames: tuple[Frame, ...] = ()) -> Decision:
    """Review every language's title and synopsis; one decision over all findings."""
    if not texts and not frames:
        raise ReviewTextInvalid(f"work {work.id} has no title, synopsis or image to review",
                                hint="add a synopsis to the work")
    findings: list[Finding] = []
    for i, entry in enumerate(texts or [{"lang": "", "title": "", "text": ""}]):
        lang = entry["lang"] if entry["lang"] in _REVIEW_LANGS else None
        title, text = reviewed_fields(entry)
        item = ReviewItem(
            ip=ip, text=text, title=title,
            lang=lang, ai_generated=work.ai_generated, labelled=is_labelled,
            frames=frames if i == 0 else (), item_id=f"{work.id}:{entry['lang']}",
        )
        for f in reviewer.review(item).findings:
            if i > 0 and f.check == "ai-label":
                continue  # the label is one per work, not per language
            findings.append(replace(f, extra={**f.extra, "lang": str(entry["lang"])}))
    return decide(findings, reviewer.policy, item_id=work.id, ip=ip)


def assess(conn: Connection, media: MediaStore, work_id: str, *, policy: str | None = None,
           models: Models | None = None) -> tuple[Decision, list[dict[str, Any]]]:
    """The automated decision on a stored work and the texts it read (reads only)."""
    work = get_work(conn, work_id)
    pack = policy_for(work, policy)
    ip = get_ip_by_id(conn, work.ip_id).name if work.ip_id else ""
    reviewer = _reviewer(pack, cards_from_db(conn), shared_models() if models is None else models)
    texts = texts_of(work)
    decision = review_texts(reviewer, work, ip, texts, is_labelled=labelled(conn, work),
                            frames=key_frames(conn, media, work))
    return decision, texts


def record(conn: Connection, work_id: str, decision: Decision, texts: list[dict[str, Any]],
           actor: User | None = None) -> StoredItem:
    """Store the decision as a review item and set the work's review stage status."""
    item = record_review(conn, work_id, decision, texts, actor=actor)
    set_status(conn, work_id, "review", *stage_state(item))
    return item


def review_work(conn: Connection, media: MediaStore, work_id: str, *, actor: User | None = None,
                policy: str | None = None, models: Models | None = None) -> StoredItem:
    """Review a stored work now and record the decision (queued for a human if unsure)."""
    decision, texts = assess(conn, media, work_id, policy=policy, models=models)
    return record(conn, work_id, decision, texts, actor)


def stage_state(item: StoredItem) -> tuple[str, str]:
    """The work's review stage status for an item: done with the decision, or running while a human looks."""
    if item.state in ("queued", "claimed", "appealed"):
        return "running", f"{item.state} for human review ({item.policy}@{item.policy_version})"
    fixes = f"; automatic fixes: {', '.join(item.fixes)}" if item.fixes else ""
    return "done", f"{item.decision} ({item.policy}@{item.policy_version}){fixes}"


def submit_work(conn: Connection, actor: User, work_id: str, policy: str | None = None) -> Job:
    """Queue the review-work job for a work its owner (or an admin) submits."""
    work = get_work(conn, work_id)
    if actor.role != "reviewer":
        require_editor(actor, work)
    if policy is not None:
        load_policy(policy)  # fail now, not in the worker
    set_status(conn, work.id, "review", "pending", "queued for automated review")
    append(conn, "submitted", None, actor=actor, automated=False, work_id=work.id, detail=policy)
    return enqueue(conn, JOB_KIND, {"work_id": work.id, "policy": policy, "by": actor.id}, created_by=actor.id)


def handler(platform: Platform) -> Handler:
    """The `review-work` job handler for this platform."""

    def run(params: dict[str, Any], progress: Progress) -> str:
        work_id = str(params["work_id"])
        progress(0, 1, "reviewing")
        try:
            # Read, then decide outside any transaction, then write: the models may take a
            # while and must not hold the (SQLite) write lock meanwhile.
            with platform.db.read() as conn:
                actor = get_user(conn, params["by"]) if params.get("by") else None
                decision, texts = assess(conn, platform.media, work_id, policy=params.get("policy"))
            with platform.db.write() as conn:
                item = record(conn, work_id, decision, texts, actor)
        except Error as exc:
            with platform.db.write() as conn:
                if not isinstance(exc, WorkNotFound):
                    set_status(conn, work_id, "review", "failed", exc.message)
            raise
        progress(1, 1, item.decision)
        return f"{item.decision} ({item.state}) item {item.id}"

    return run
