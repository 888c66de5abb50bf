"""Home = what needs me: per role, what waits in each stage, with a link to where it is dealt with.

Each figure comes from its stage's public API (`review.waiting_reviews`,
`fingerprint.open_conflicts`, ...). Counts stop at `CAP` ("1,000+"), so the page costs the
same at a million jobs as at ten. Running jobs are refreshed in place by `studio.js`
polling `/api/v1/jobs/running` (no page reload).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from culturebridge import fingerprint, insight, labels, localize, review, rights
from culturebridge.accounts import User
from culturebridge.catalog import get_work
from culturebridge.errors import WorkNotFound
from culturebridge.ids import now
from culturebridge.jobs import Job, count_jobs, list_jobs
from culturebridge.web.api import job_scope
from culturebridge.web.auth import current_user, platform_of, require_user
from culturebridge.web.contract import errors
from culturebridge.web.render import locale_of, render

router = APIRouter()
CAP = 1000
RUNNING_SHOWN = 10


@dataclass(frozen=True)
class Need:
    """One line of "what needs me": a message key, a count, where to act, an optional detail."""

    key: str
    count: int
    href: str
    since: datetime | None = None  # the oldest item's time, shown as an age
    label: str = ""  # a line's own label (a localization's work title)

    @property
    def capped(self) -> bool:
        return self.count >= CAP


def needs_of(conn: Any, user: User, locale: str = "en") -> list[Need]:
    """What waits for `user`, in the order the stages run; lines with nothing waiting are left out."""
    out: list[Need] = []
    if user.role in ("admin", "creator"):
        out.append(Need("home.unregistered", rights.unregistered_works(conn, user, CAP), "/studio?stage=rights&state=pending"))
        out.append(Need("home.copies", fingerprint.open_conflicts(conn, user, CAP), "/studio/conflicts"))
        out.append(Need("home.unlabelled", labels.unlabelled_files(conn, user, CAP), "/studio?ai=yes"))
    if user.role in ("admin", "reviewer"):
        waiting = review.waiting_reviews(conn)
        out.append(Need("home.reviews", waiting.count, "/review", since=waiting.oldest))
    for flagged in localize.flagged_localizations(conn, user, limit=5):
        try:
            title = get_work(conn, flagged.work_id).title(locale)
        except WorkNotFound:
            continue
        out.append(Need("home.qa", flagged.flagged_segments,
                        f"/studio/works/{flagged.work_id}/localize/{flagged.target_lang}",
                        label=f"{title} → {flagged.target_lang}"))
    if user.role == "admin":
        out.append(Need("home.failed", count_jobs(conn, "failed", CAP), "/studio/jobs?state=failed"))
    return [n for n in out if n.count]


def job_view(job: Job) -> dict[str, Any]:
    """What the home page shows of a job (also the JSON the page polls)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": None if job.fraction is None else round(job.fraction * 100),
        "message": job.message or "",
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> Response:
    user = current_user(request)
    if user is None:
        return render(request, "home.html")
    with platform_of(request).db.read() as conn:
        needs = needs_of(conn, user, locale_of(request))
        running = [job_view(j) for j in list_jobs(conn, RUNNING_SHOWN, for_owner=job_scope(user), state="running")]
        queued = count_jobs(conn, "queued", CAP)
        audience = audience_of(conn, user)
    return render(request, "dashboard.html", needs=needs, running=running, queued=queued, cap=CAP, at=now(),
                  audience=audience)


def audience_of(conn: Any, user: User) -> insight.Headline | None:
    """The insight stage's headline: the platform's for admins, a creator's own works' for creators."""
    if user.role not in ("admin", "creator"):
        return None
    found = insight.headline(conn, today=now().date(), owner_id=None if user.role == "admin" else user.id)
    return None if found.empty else found


class RunningJob(BaseModel):
    id: str
    kind: str
    state: str
    done: int
    total: int | None
    percent: int | None
    message: str


class RunningJobs(BaseModel):
    running: list[RunningJob]
    queued: int
    queued_capped: bool = Field(description="more jobs wait than were counted")


@router.get("/api/v1/jobs/running", summary="Running jobs with their progress, and how many wait", tags=["catalog"],
            response_model=RunningJobs, responses=errors(401))
def running_jobs(request: Request, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        running = [job_view(j) for j in list_jobs(conn, RUNNING_SHOWN, for_owner=job_scope(user), state="running")]
        queued = count_jobs(conn, "queued", CAP)
    return {"running": running, "queued": queued, "queued_capped": queued >= CAP}
