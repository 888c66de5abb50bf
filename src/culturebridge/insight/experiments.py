"""Localization experiments: two localized versions of a work in one market, A vs B.

Assignment is deterministic: SHA-256 of "experiment id:viewer id", even -> A, odd -> B, so
every process and every later check agrees on who saw what without storing assignments.
The unit is the viewer: a viewer "completed" when any of their views reached the
completion threshold, "followed" when they followed. The stopping rule is the mixture
sequential probability ratio test (mSPRT; Johari, Pekelis & Walsh, "Always Valid
Inference", 2017) on the difference of the two proportions with a normal mixing
distribution N(0, tau^2) fixed when the experiment is created: its p-value and
confidence sequence stay valid however often they are looked at, so checking every day
does not inflate false positives. The experiment stops the first time p <= alpha.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from culturebridge.errors import InvalidExperiment, NotFound
from culturebridge.ids import as_utc, new_id, now
from culturebridge.insight._tables import experiment_counts, experiments
from culturebridge.insight.methodology import load
from culturebridge.insight.rollup import Signal
from culturebridge.platform import Platform

log = logging.getLogger(__name__)

METRICS = ("completion", "follow")


def assign(experiment_id: str, viewer_id: str) -> str:
    """The variant ("A" or "B") this viewer sees in this experiment."""
    digest = hashlib.sha256(f"{experiment_id}:{viewer_id}".encode()).digest()
    return "A" if digest[-1] % 2 == 0 else "B"


@dataclass(frozen=True)
class Experiment:
    id: str
    work_id: str
    market: str
    variant_a: str
    variant_b: str
    metric: str
    alpha: float
    tau: float
    status: str
    created_at: datetime
    stopped_at: datetime | None
    outcome: str


def _row(r: Any) -> Experiment:
    return Experiment(r.id, r.work_id, r.market, r.variant_a, r.variant_b, r.metric, float(r.alpha), float(r.tau),
                      r.status, as_utc(r.created_at), as_utc(r.stopped_at) if r.stopped_at else None, r.outcome)


def create(conn: Connection, work_id: str, market: str, variant_a: str, variant_b: str, *,
           metric: str = "completion", alpha: float = 0.05, tau: float = 0.1) -> Experiment:
    """Register an experiment (its metric, alpha and tau are fixed from here on: pre-registered)."""
    if variant_a == variant_b:
        raise InvalidExperiment("the two variants must be different versions", hint="name two localized works")
    if metric not in METRICS:
        raise InvalidExperiment(f"metric {metric!r} is unknown", hint=f"use {' or '.join(METRICS)}")
    if not 0.0 < alpha < 0.5 or not 0.0 < tau <= 1.0:
        raise InvalidExperiment("alpha must be in (0, 0.5) and tau in (0, 1]")
    running = conn.execute(select(experiments.c.id).where(
        (experiments.c.work_id == work_id) & (experiments.c.market == market) & (experiments.c.status == "running"))
    ).first()
    if running is not None:
        raise InvalidExperiment(f"experiment {running.id} already runs for {work_id} in {market}",
                                hint="stop it first")
    exp_id = new_id("exp")
    conn.execute(experiments.insert().values(
        id=exp_id, work_id=work_id, market=market, variant_a=variant_a, variant_b=variant_b, metric=metric,
        alpha=alpha, tau=tau, status="running", created_at=now(), stopped_at=None, outcome=""))
    return get(conn, exp_id)


def get(conn: Connection, experiment_id: str) -> Experiment:
    row = conn.execute(select(experiments).where(experiments.c.id == experiment_id)).first()
    if row is None:
        raise NotFound(f"experiment {experiment_id} does not exist", hint="list them with `insight experiment list`")
    return _row(row)


def list_experiments(conn: Connection, work_id: str | None = None) -> list[Experiment]:
    query = select(experiments).order_by(experiments.c.created_at)
    if work_id is not None:
        query = query.where(experiments.c.work_id == work_id)
    return [_row(r) for r in conn.execute(query)]


_running: dict[str, tuple[float, dict[tuple[str, str], tuple[str, str, str]]]] = {}
_reading: set[str] = set()  # databases whose list a background thread is reading
_running_lock = threading.Lock()
RUNNING_TTL = 5.0  # seconds a process trusts its list of running experiments


def variant_for(platform: Platform, viewer_id: str, market: str, work_id: str) -> str | None:
    """The version of `work_id` this viewer is shown in `market` under a running experiment (feed hook).

    The list of running experiments is read on first use; once older than RUNNING_TTL it is
    read again in a background thread while answers go on with the list in hand, so a feed
    answer served on the web edge's event loop never waits on the database here.
    """
    key = str(platform.db.engine.url)
    hit = _running.get(key)
    if hit is None:
        hit = _read_running(platform, key)
    elif time.monotonic() - hit[0] > RUNNING_TTL:
        with _running_lock:
            stale = key not in _reading
            _reading.add(key)
        if stale:
            threading.Thread(target=_read_in_background, args=(platform, key), name="experiments-read", daemon=True).start()
    exp = hit[1].get((work_id, market))
    if exp is None:
        return None
    return exp[1] if assign(exp[0], viewer_id) == "A" else exp[2]


def _read_in_background(platform: Platform, key: str) -> None:
    try:
        _read_running(platform, key)
    except Exception:  # the list in hand stays in use; the next answer past the TTL tries again
        log.warning("could not re-read the running experiments", exc_info=True)


def _read_running(platform: Platform, key: str) -> tuple[float, dict[tuple[str, str], tuple[str, str, str]]]:
    try:
        with platform.db.read() as conn:
            rows = conn.execute(select(experiments.c.id, experiments.c.work_id, experiments.c.market,
                                       experiments.c.variant_a, experiments.c.variant_b)
                                .where(experiments.c.status == "running")).all()
        hit = (time.monotonic(), {(r.work_id, r.market): (r.id, r.variant_a, r.variant_b) for r in rows})
        _running[key] = hit
        return hit
    finally:
        with _running_lock:
            _reading.discard(key)


def running_for(conn: Connection, work_id: str, market: str) -> Experiment | None:
    """The running experiment of a work in a market, if any."""
    row = conn.execute(select(experiments).where(
        (experiments.c.work_id == work_id) & (experiments.c.market == market) & (experiments.c.status == "running"))
    ).first()
    return _row(row) if row is not None else None


def count(conn: Connection, signals: Sequence[Signal]) -> None:
    """Credit views, completions and follows of running experiments' works to each viewer's variant."""
    wanted = {(s.work_id, s.market) for s in signals if s.type in ("view", "follow")}
    if not wanted:
        return
    running = {(r.work_id, r.market): r.id for r in conn.execute(
        select(experiments.c.id, experiments.c.work_id, experiments.c.market).where(experiments.c.status == "running"))
        if (r.work_id, r.market) in wanted}
    if not running:
        return
    completed_at = load().completed
    adds: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in signals:
        exp_id = running.get((s.work_id, s.market))
        if exp_id is None or s.type not in ("view", "follow"):
            continue
        row = adds[(exp_id, assign(exp_id, s.viewer_id), s.viewer_id)]
        if s.type == "view":
            row[0] += 1
            row[1] += int((s.watch_fraction or 0.0) >= completed_at)
        else:
            row[2] += 1
    from culturebridge.insight.rollup import _upsert

    _upsert(conn, experiment_counts, ("experiment_id", "variant", "viewer_id"),
            [{"experiment_id": e, "variant": v, "viewer_id": w, "views": a, "completed": b, "follows": c}
             for (e, v, w), (a, b, c) in adds.items()], ("views", "completed", "follows"))


@dataclass(frozen=True)
class ArmResult:
    viewers: int
    completed: int
    followed: int

    def rate(self, metric: str) -> float:
        hits = self.completed if metric == "completion" else self.followed
        return hits / self.viewers if self.viewers else 0.0


@dataclass(frozen=True)
class Analysis:
    experiment: Experiment
    a: ArmResult
    b: ArmResult
    difference: dict[str, float]  # B - A per metric
    interval: tuple[float, float] | None  # always-valid (1 - alpha) interval of the primary metric's difference
    follow_interval: tuple[float, float] | None
    p_value: float  # always-valid p-value of the primary metric
    decision: str  # "B better" | "A better" | "no difference yet"

    def to_dict(self) -> dict[str, Any]:
        e = self.experiment
        return {"id": e.id, "work_id": e.work_id, "market": e.market, "variants": {"A": e.variant_a, "B": e.variant_b},
                "metric": e.metric, "alpha": e.alpha, "tau": e.tau, "status": e.status,
                "arms": {"A": asdict(self.a), "B": asdict(self.b)},
                "rates": {"A": {m: round(self.a.rate(m), 4) for m in METRICS},
                          "B": {m: round(self.b.rate(m), 4) for m in METRICS}},
                "difference": {k: round(v, 4) for k, v in self.difference.items()},
                "interval": None if self.interval is None else [round(x, 4) for x in self.interval],
                "follow_interval": None if self.follow_interval is None else [round(x, 4) for x in self.follow_interval],
                "p_value": round(self.p_value, 5), "decision": self.decision,
                "stopping_rule": "mSPRT, normal mixture N(0, tau^2) on the difference of proportions"}


def msprt(pa: float, na: int, pb: float, nb: int, tau: float, alpha: float) -> tuple[float, tuple[float, float] | None]:
    """Always-valid p-value and (1 - alpha) confidence-sequence interval of pb - pa."""
    if na < 2 or nb < 2:
        return 1.0, None
    v = max(pa * (1 - pa) / na + pb * (1 - pb) / nb, 1e-9)
    t2 = tau * tau
    theta = pb - pa
    log_lr = 0.5 * math.log(v / (v + t2)) + theta * theta * t2 / (2 * v * (v + t2))
    p = min(1.0, math.exp(-log_lr)) if log_lr > 0 else 1.0
    half = math.sqrt(2 * v * (v + t2) / t2 * (math.log(1 / alpha) + 0.5 * math.log((v + t2) / v)))
    return p, (theta - half, theta + half)


def analyze(conn: Connection, experiment_id: str) -> Analysis:
    """Current result of an experiment; stops it (recording the outcome) the first time p <= alpha."""
    e = get(conn, experiment_id)
    arms: dict[str, ArmResult] = {}
    for variant in ("A", "B"):
        c = experiment_counts.c
        row = conn.execute(select(func.count().filter(c.views > 0), func.count().filter(c.completed > 0),
                                  func.count().filter(c.follows > 0))
                           .where((c.experiment_id == e.id) & (c.variant == variant))).one()
        arms[variant] = ArmResult(int(row[0]), int(row[1]), int(row[2]))
    a, b = arms["A"], arms["B"]
    diff = {m: b.rate(m) - a.rate(m) for m in METRICS}
    p, interval = msprt(a.rate(e.metric), a.viewers, b.rate(e.metric), b.viewers, e.tau, e.alpha)
    _, follow_interval = msprt(a.rate("follow"), a.viewers, b.rate("follow"), b.viewers, e.tau, e.alpha)
    decision = "no difference yet"
    if p <= e.alpha:
        decision = "B better" if diff[e.metric] > 0 else "A better"
        if e.status == "running":
            conn.execute(update(experiments).where(experiments.c.id == e.id)
                         .values(status="stopped", stopped_at=now(), outcome=decision))
            e = get(conn, e.id)
    elif e.status == "stopped" and e.outcome:
        decision = e.outcome
    return Analysis(e, a, b, diff, interval, follow_interval, p, decision)


def stop(conn: Connection, experiment_id: str) -> Experiment:
    """Stop an experiment by hand (its result so far is kept)."""
    e = get(conn, experiment_id)
    conn.execute(update(experiments).where(experiments.c.id == e.id)
                 .values(status="stopped", stopped_at=now(), outcome=e.outcome or "stopped by hand"))
    return get(conn, experiment_id)
