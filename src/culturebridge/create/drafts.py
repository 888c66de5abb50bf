"""Making a draft: screen the brief, generate, label, store as a derivative, review — or nothing.

Order (each step can fail; only the last writes the draft):

1. the attempt is logged (its own transaction: it stays in the log whatever happens);
2. the brief is reviewed with the policy's rules: a reject refuses it, naming the clause,
   before any endpoint is called;
3. the endpoint generates (`generate`, `market_brief`), checked as it answers;
4. each file gets the GB 45438 implicit label with this platform as producer (Label "1",
   ProduceID = the new work's id, ReservedCode1 signed), IPTC trainedAlgorithmicMedia and,
   where the format carries one, a C2PA manifest: `c2pa.created` with the source work's file
   as `parentOf` ingredient, or for an edit `c2pa.opened` + `c2pa.edited` of the previous
   version's file;
5. one write transaction stores the derived Work (AI-flagged, same IP), its `ai-adaptation`
   lineage edge, its files through ingest (the same checks as uploads, then the per-asset
   jobs), the version with its generation record, and the review decision. Any error rolls
   all of it back: nothing half-saved; the attempt records the error.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from culturebridge.accounts import User
from culturebridge.catalog import (
    CanonCard,
    NewWork,
    Work,
    add_derivation,
    create_work,
    get_ip_by_id,
    get_work,
    list_assets,
    require_editor,
    require_viewer,
)
from culturebridge.create import generate as gen
from culturebridge.create import store
from culturebridge.create.client import Limits
from culturebridge.create.endpoints import Endpoint, resolve_endpoint
from culturebridge.create.grounding import ground, screen_brief
from culturebridge.create.market_brief import market_brief
from culturebridge.errors import (
    BriefRefused,
    DraftNotFound,
    Error,
    GenerationCancelled,
    InvalidInput,
)
from culturebridge.ids import new_id
from culturebridge.jobs import ingest
from culturebridge.labels import MediaKind, sniff
from culturebridge.platform import Platform
from culturebridge.review import Models, cards_from_db, policy_for, review_work

if TYPE_CHECKING:
    from culturebridge.labels import Parent

# Formats we produce that carry a C2PA manifest (C2PA covers images, audio and video, not text).
C2PA_MIME = {MediaKind.PNG: "image/png", MediaKind.JPEG: "image/jpeg", MediaKind.WEBP: "image/webp",
             MediaKind.MP4: "video/mp4", MediaKind.WAV: "audio/wav", MediaKind.MP3: "audio/mpeg"}
MAX_PARENT_BYTES = 64 * 1024**2
_MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DraftRequest:
    """What the user asks for (the CLI flags, the studio form, the JSON body)."""

    source_id: str
    kind: str
    brief: str = ""
    market: str | None = None
    endpoint: str | None = None  # a configured name or BASE_URL[@MODEL]; None: the default
    options: gen.Options = field(default_factory=gen.Options)

    def to_dict(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "kind": self.kind, "brief": self.brief, "market": self.market,
                "endpoint": self.endpoint, "options": self.options.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DraftRequest:
        opts = dict(data.get("options") or {})
        return cls(str(data["source_id"]), str(data["kind"]), str(data.get("brief") or ""),
                   data.get("market") or None, data.get("endpoint") or None, gen.Options(**opts))


@dataclass(frozen=True)
class DraftResult:
    """The stored version: its work, files, labels and review decision."""

    draft_id: str
    version: int
    work_id: str
    source_id: str
    kind: str
    assets: tuple[dict[str, Any], ...]
    labels: tuple[dict[str, Any], ...]
    review: dict[str, Any]
    record: dict[str, Any]
    attempt_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"work_id": self.work_id, "source_id": self.source_id, "kind": self.kind, "draft_id": self.draft_id,
                "version": self.version, "assets": list(self.assets), "review": self.review["decision"],
                "review_detail": self.review,
                "labels": list(self.labels), "attempt_id": self.attempt_id, "record": self.record}


@dataclass(frozen=True)
class _Plan:
    request: DraftRequest
    action: str  # created | regenerated | edited
    parent_work_id: str  # the lineage parent: the source, or the edited version's work
    draft_id: str | None = None
    edited_text: str | None = None  # a human edit of a text draft: no endpoint call


def _validate(request: DraftRequest) -> None:
    if request.kind not in gen.KINDS:
        raise InvalidInput(f"kind {request.kind!r} is not one of {', '.join(gen.KINDS)}")
    if request.market is not None and not _MARKET.match(request.market):
        raise InvalidInput(f"market {request.market!r} is not COUNTRY/language, e.g. US/en")
    if request.kind == "brief" and request.market is None:
        raise InvalidInput("a market adaptation brief needs --market, e.g. US/en")
    opts = request.options
    if opts.form not in gen.STORY_FORMS:
        raise InvalidInput(f"form {opts.form!r} is not one of {', '.join(gen.STORY_FORMS)}")
    if not re.match(r"^\d{2,5}x\d{2,5}$", opts.image_size):
        raise InvalidInput(f"image size {opts.image_size!r} is not WIDTHxHEIGHT")


def _card(conn: Connection, work: Work) -> CanonCard | None:
    return get_ip_by_id(conn, work.ip_id).canon if work.ip_id else None


def _first_file(platform: Platform, conn: Connection, work: Work) -> Parent | None:
    """The work's first file a C2PA ingredient can be made of."""
    from culturebridge.labels import (
        Parent,  # the C2PA library loads with it: only when a draft is made
    )

    for asset in list_assets(conn, work.id)[:8]:
        if asset.size > MAX_PARENT_BYTES:
            continue
        with platform.media.open(asset.storage_key) as fh:
            data = fh.read()
        kind = sniff(data)
        if kind in C2PA_MIME:
            return Parent(data, C2PA_MIME[kind], f"{work.title()} ({asset.original_name})")
    return None


def _label(platform: Platform, files: tuple[gen.File, ...], work_id: str, title: str, parent: Parent | None,
           edited: bool) -> list[tuple[gen.File, dict[str, Any]]]:
    """Each file with GB 45438 (Label 1, platform as producer) + IPTC, and C2PA where it fits."""
    from culturebridge.labels import LabelRequest, apply_labels, platform_keys

    keys = platform_keys(platform.settings)
    out = []
    for f in files:
        kind = sniff(f.data)
        request = LabelRequest(producer=keys.propagator, produce_id=work_id, title=title[:200],
                               edited=edited and parent is not None)
        creds = keys.credentials if kind in C2PA_MIME else None
        applied = apply_labels(f.data, request, label_key=keys.label_key, c2pa_credentials=creds,
                               parent=parent if creds else None)
        info = {"name": f.name, "label": applied.label.to_dict(), "c2pa": applied.c2pa_state,
                "c2pa_action": ("c2pa.edited" if request.edited else "c2pa.created") if creds else None,
                "parent": parent.title if creds and parent else None}
        out.append((gen.File(f.name, applied.data), info))
    return out


def _tool(endpoint: Endpoint | None, record: dict[str, Any]) -> str:
    if endpoint is None:
        return "human edit"
    models = sorted({str(c.get("model")) for c in record.get("calls", []) if c.get("model")})
    return f"{endpoint.name} {' '.join(models)}".strip()[:200]


def _fail_attempt(platform: Platform, attempt_id: str, exc: Error) -> None:
    state = "refused" if isinstance(exc, BriefRefused) else "cancelled" if isinstance(exc, GenerationCancelled) \
        else "failed"
    with platform.db.write() as conn:
        store.update_attempt(conn, attempt_id, state=state, error=exc.diagnostic())


def _checker(platform: Platform, attempt_id: str, progress: Progress | None) -> gen.Step:
    def step(message: str) -> None:
        with platform.db.write() as conn:
            attempt = store.get_attempt(conn, attempt_id)
            if attempt.cancel_requested:
                raise GenerationCancelled(f"generation {attempt_id} was cancelled at: {message}",
                                          hint="nothing was saved; start a new draft when ready")
            store.update_attempt(conn, attempt_id, step=message)
        if progress is not None:
            progress(message)

    return step


def _generate(platform: Platform, plan: _Plan, source: gen.Source, endpoint: Endpoint | None,
              grounding: Any, policy: Any, glossary: Any, step: gen.Step) -> gen.Generated:
    request = plan.request
    s = platform.settings
    limits = Limits(float(s.create_timeout_s), s.create_max_image_bytes, s.max_image_pixels)
    if plan.edited_text is not None:
        text = plan.edited_text.strip()
        if not text:
            raise InvalidInput("an edited text is empty")
        gen.check_language(text, source.lang, "edited text")
        doc = f"# {source.title}\n\n{text}\n"
        return gen.Generated(request.kind, source.lang, source.title, text,  # type: ignore[arg-type]
                             (gen.File("edited.md", doc.encode("utf-8")),), {"calls": [], "edited_by_hand": True})
    assert endpoint is not None
    opts = request.options
    if request.kind == "story":
        return gen.story(endpoint, source, grounding, request.brief, opts, limits, step)
    if request.kind == "image":
        return gen.image(endpoint, source, grounding, request.brief, opts, limits, step)
    if request.kind == "video":
        return gen.video(endpoint, source, grounding, request.brief, opts, limits, step)
    assert request.market is not None
    return market_brief(endpoint, source, grounding, policy, glossary, request.market, request.brief, opts,
                        limits, step)


def start(platform: Platform, actor: User, request: DraftRequest, *, action: str = "created",
          draft_id: str | None = None, state: str = "running") -> store.Attempt:
    """Log a new attempt (validated; its own transaction, so it stays whatever happens next)."""
    _validate(request)
    with platform.db.write() as conn:
        require_viewer(actor, get_work(conn, request.source_id))
        return store.start_attempt(conn, source_id=request.source_id, kind=request.kind, action=action,
                                   brief=request.brief, market=request.market, request=request.to_dict(),
                                   by=actor.id, draft_id=draft_id, state=state)


def run_attempt(platform: Platform, actor: User, attempt: store.Attempt, *, environ: Mapping[str, str],
                review_models: Models | None = None, progress: Progress | None = None) -> DraftResult:
    """Run a logged attempt to a stored, labelled, reviewed version (or an error, nothing stored)."""
    request = DraftRequest.from_dict(attempt.request)
    plan = _Plan(request, attempt.action, str(attempt.request.get("parent_work_id") or request.source_id),
                 attempt.draft_id, attempt.request.get("edited_text"))
    try:
        return _run(platform, actor, plan, attempt.id, environ, review_models, progress)
    except Error as exc:
        _fail_attempt(platform, attempt.id, exc)
        raise


def _run(platform: Platform, actor: User, plan: _Plan, attempt_id: str, environ: Mapping[str, str],
         review_models: Models | None, progress: Progress | None) -> DraftResult:
    request = plan.request
    step = _checker(platform, attempt_id, progress)
    step("grounding in the canon")
    with platform.db.read() as conn:
        source_work = get_work(conn, request.source_id)
        require_viewer(actor, source_work)
        card = _card(conn, source_work)
        cards = cards_from_db(conn)
        policy = policy_for(source_work)
        glossary = None
        if request.kind == "brief" and card is not None:
            from culturebridge.localize import stored_glossary

            glossary = stored_glossary(conn, card.name, source_work.original_language.split("-")[0])
        parent_work = get_work(conn, plan.parent_work_id)
        parent = _first_file(platform, conn, parent_work)
    lang = request.market.split("/", 1)[1] if request.kind == "brief" and request.market else \
        source_work.original_language
    source = gen.Source(source_work, card, lang)
    grounding = ground(card, policy, lang, title=source.title)
    findings = screen_brief(policy, cards, card.name if card else "", request.brief)
    endpoint = None if plan.edited_text is not None else resolve_endpoint(platform.settings, request.endpoint, environ)
    if endpoint is not None:
        with platform.db.write() as conn:
            store.update_attempt(conn, attempt_id, request={**request.to_dict(), "resolved": endpoint.record(),
                                                            "parent_work_id": plan.parent_work_id})
    made = _generate(platform, plan, source, endpoint, grounding, policy, glossary, step)
    step("labelling")
    work_id = new_id("w")
    labelled = _label(platform, made.files, work_id, made.title, parent, edited=plan.action == "edited")
    record = {
        **made.record,
        "endpoint": endpoint.record() if endpoint else None,
        "brief": request.brief,
        "options": request.options.to_dict(),
        "grounding": {"ip": grounding.ip, "policy": grounding.policy_ref, "lang": grounding.lang,
                      "checklist": list(grounding.checklist)},
        "brief_findings": [f.to_dict() for f in findings],
        "labels": [info for _, info in labelled],
        "attempt_id": attempt_id,
    }
    step("saving and reviewing")
    with platform.db.write() as conn:
        result = _store(conn, platform, actor, plan, made, labelled, work_id, source_work, card, endpoint, record,
                        attempt_id, review_models)
    if progress is not None:
        progress(f"ready: {result.review['decision']}")
    return result


def _store(conn: Connection, platform: Platform, actor: User, plan: _Plan, made: gen.Generated,
           labelled: list[tuple[gen.File, dict[str, Any]]], work_id: str, source_work: Work,
           card: CanonCard | None, endpoint: Endpoint | None, record: dict[str, Any], attempt_id: str,
           review_models: Models | None) -> DraftResult:
    request = plan.request
    if store.get_attempt(conn, attempt_id).cancel_requested:
        raise GenerationCancelled(f"generation {attempt_id} was cancelled before saving",
                                  hint="nothing was saved")
    markets = [request.market] if request.market else list(source_work.markets)
    work = create_work(conn, actor, NewWork(
        kind=gen.WORK_KIND[made.kind], original_language=made.lang, titles={made.lang: made.title},
        synopses={made.lang: made.text[:20_000]}, ip_name=card.name if card else None, markets=markets,
        ai_generated=True), work_id=work_id)
    add_derivation(conn, actor, plan.parent_work_id, work.id, "ai-adaptation", tool=_tool(endpoint, record),
                   ai_generated=True)
    assets = []
    labels = []
    for f, info in labelled:
        asset = ingest(conn, platform, actor, work.id, io.BytesIO(f.data), f.name)
        assets.append({"id": asset.id, "name": asset.original_name, "media_type": asset.media_type,
                       "size": asset.size, "sha256": asset.sha256})
        labels.append({"asset_id": asset.id, **info})
    draft_id = plan.draft_id or new_id("dr")
    if plan.draft_id is None:
        store.insert_draft(conn, draft_id, request.source_id, request.kind, request.market, actor.id)
    version = store.insert_version(conn, draft_id, work.id, plan.parent_work_id, plan.action, request.brief, record)
    item = review_work(conn, platform.media, work.id, actor=actor, models=review_models)
    review = {"decision": item.decision, "state": item.state, "item_id": item.id, "policy": item.policy,
              "policy_version": item.policy_version, "fixes": list(item.fixes), "reasons": list(item.reasons),
              "findings": list(item.findings)}
    store.set_version_review(conn, version.id, review)
    store.update_attempt(conn, attempt_id, state="done", draft_id=draft_id, version_id=version.id, step="ready")
    return DraftResult(draft_id, version.number, work.id, request.source_id, request.kind, tuple(assets),
                       tuple(labels), review, record, attempt_id)


def make_draft(platform: Platform, actor: User, request: DraftRequest, *, environ: Mapping[str, str],
               review_models: Models | None = None, progress: Progress | None = None) -> DraftResult:
    """Generate, label, store and review a new draft now (the CLI's path)."""
    attempt = start(platform, actor, request)
    return run_attempt(platform, actor, attempt, environ=environ, review_models=review_models, progress=progress)


def next_version(platform: Platform, actor: User, draft_id: str, *, action: str, brief: str | None = None,
                 endpoint: str | None = None, edited_text: str | None = None,
                 options: gen.Options | None = None, state: str = "running") -> store.Attempt:
    """Log an attempt at the next version of a draft: `regenerated` from the source, or `edited` from the latest."""
    if action not in ("regenerated", "edited"):
        raise InvalidInput("a new version is regenerated or edited")
    with platform.db.read() as conn:
        draft = store.get_draft(conn, draft_id)
        latest = draft.latest
        require_editor(actor, get_work(conn, latest.work_id))
    if edited_text is not None and draft.kind not in ("story", "brief"):
        raise InvalidInput("only story and brief drafts take an edited text", hint="edit an image or video with --brief")
    last = DraftRequest.from_dict({"source_id": draft.source_id, "kind": draft.kind, "market": draft.market,
                                   "brief": latest.brief, "options": latest.record.get("options") or {}})
    request = replace(last, brief=brief if brief is not None else last.brief, endpoint=endpoint,
                      options=options or last.options)
    _validate(request)
    parent = latest.work_id if action == "edited" else draft.source_id
    payload = {**request.to_dict(), "parent_work_id": parent}
    if edited_text is not None:
        payload["edited_text"] = edited_text
    with platform.db.write() as conn:
        return store.start_attempt(conn, source_id=draft.source_id, kind=draft.kind, action=action,
                                   brief=request.brief, market=request.market, request=payload, by=actor.id,
                                   draft_id=draft_id, state=state)


def cancel(platform: Platform, actor: User, attempt_id: str) -> store.Attempt:
    """Ask a queued or running attempt to stop; it stops at its next step, saving nothing."""
    with platform.db.write() as conn:
        attempt = store.get_attempt(conn, attempt_id)
        if actor.role != "admin" and attempt.created_by != actor.id:
            raise DraftNotFound(f"no generation attempt {attempt_id!r}",
                                hint="list attempts with `culturebridge create attempts`")
        if attempt.state in store.FINAL_STATES:
            return attempt
        if attempt.state == "queued":
            store.update_attempt(conn, attempt_id, cancel_requested=True, state="cancelled",
                                 error="cancelled before it started")
        else:
            store.update_attempt(conn, attempt_id, cancel_requested=True)
        return store.get_attempt(conn, attempt_id)

