"""Run an audit: every question x language x endpoint x sample, concurrently, cached, resumable.

Each endpoint gets its own pool of `concurrency` workers, so one slow endpoint never starves
another. Workers only talk HTTP; the calling thread stores each finished cell (and caches its
answer) in small batches, so a crash loses at most the last batch and `resume_audit` carries
on from the stored cells. Cached answers are served without a request.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from culturebridge.audit.cells import Cell, CellKey, cache_key
from culturebridge.audit.client import ChatClient, Reply, RetryPolicy
from culturebridge.audit.endpoints import Endpoint
from culturebridge.audit.judge import JUDGE_TEMPERATURE, judge_messages, read_judgement
from culturebridge.audit.language import wrong_language
from culturebridge.audit.prompts import LETTERS, messages_for, parse_choice
from culturebridge.audit.questions import Question, QuestionSet
from culturebridge.audit.report import build_report
from culturebridge.audit.store import (
    CachedAnswer,
    cache_answers,
    cached_answers,
    cells_of,
    create_run,
    finish_run,
    finished_keys,
    forget_cells,
    get_run,
    save_cells,
)
from culturebridge.errors import InvalidInput
from culturebridge.ids import now
from culturebridge.storage import Database

BATCH = 200
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunConfig:
    """What a run asks: stored with the run (no keys), so it can be resumed and reported."""

    endpoints: tuple[Endpoint, ...]
    languages: tuple[str, ...]
    samples: int = 1
    judges: tuple[Endpoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"endpoints": [e.to_dict() for e in self.endpoints], "languages": list(self.languages),
                "samples": self.samples, "judges": [j.to_dict() for j in self.judges]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        return cls(tuple(Endpoint.from_dict(e) for e in data["endpoints"]), tuple(data["languages"]),
                   int(data["samples"]), tuple(Endpoint.from_dict(j) for j in data.get("judges", ())))


@dataclass(frozen=True)
class Limits:
    """How hard to try: per-request timeout and the retry policy."""

    timeout: float = 60.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)


def validate(qset: QuestionSet, config: RunConfig) -> None:
    """Refuse a run that cannot mean anything: no endpoints, duplicate names, unknown languages."""
    if not config.endpoints:
        raise InvalidInput("an audit needs at least one --endpoint")
    names = [e.name for e in config.endpoints]
    if len(set(names)) != len(names):
        raise InvalidInput(f"endpoint names must differ: {', '.join(names)}")
    if config.samples < 1:
        raise InvalidInput("--samples must be at least 1")
    for lang in config.languages:
        missing = [q.id for q in qset.questions if lang not in q.prompts]
        if missing:
            raise InvalidInput(f"language {lang!r} has no prompt in question {missing[0]!r}",
                               hint=f"the set covers: {', '.join(qset.languages) or 'no language fully'}")
    if not config.languages:
        raise InvalidInput("no language to ask in", hint="pass --lang")


def plan(qset: QuestionSet, config: RunConfig) -> Iterator[tuple[Endpoint, Question, str, int]]:
    """Every cell of the run, question-major so early cells cover every endpoint."""
    for q in qset.questions:
        for lang in config.languages:
            for k in range(config.samples):
                for e in config.endpoints:
                    yield e, q, lang, k


def to_cell(endpoint: str, q: Question, lang: str, sample: int, reply: Reply, cached: bool = False) -> Cell:
    """A reply as a cell: the language checked, the choice read (pure)."""
    status, error, choice = reply.status, reply.error, None
    if reply.answered:
        other = wrong_language(reply.content, lang)
        if other is not None:
            status, error = "wrong_language", f"answered in {other}"
        if q.is_choice:
            choice = parse_choice(reply.content, q.options[lang])
    return Cell(endpoint, q.id, lang, sample, status, reply.content, reply.http_status, error, choice, cached,
                reply.attempts, reply.latency_ms, reply.prompt_tokens, reply.completion_tokens, {}, now())


class _Writer:
    """Batches finished cells and new cache entries into write transactions (the calling thread only)."""

    def __init__(self, db: Database, run_id: str) -> None:
        self.db, self.run_id = db, run_id
        self.cells: list[Cell] = []
        self.cache: dict[str, CachedAnswer] = {}

    def add(self, cell: Cell, key: str | None, reply: Reply | None) -> None:
        self.cells.append(cell)
        if key is not None and reply is not None and reply.answered:
            self.cache[key] = CachedAnswer(reply.content, reply.prompt_tokens, reply.completion_tokens,
                                           reply.latency_ms)
        if len(self.cells) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.cells and not self.cache:
            return
        with self.db.write() as conn:
            save_cells(conn, self.run_id, self.cells)
            cache_answers(conn, self.cache)
        self.cells, self.cache = [], {}


def _cached_reply(hit: CachedAnswer) -> Reply:
    return Reply("ok", hit.content, prompt_tokens=hit.prompt_tokens, completion_tokens=hit.completion_tokens,
                 latency_ms=hit.latency_ms, attempts=0)


def _clients(stack: ExitStack, endpoints: tuple[Endpoint, ...], keys: Mapping[str, str],
             limits: Limits) -> dict[str, ChatClient]:
    out = {}
    for e in endpoints:
        client = ChatClient(e, keys.get(e.name, "not-needed"), timeout=limits.timeout, policy=limits.policy)
        stack.callback(client.close)
        out[e.name] = client
    return out


def _ask_all(db: Database, run_id: str, qset: QuestionSet, config: RunConfig, clients: Mapping[str, ChatClient],
             progress: Progress | None) -> None:
    with db.read() as conn:
        done = finished_keys(conn, run_id)
    todo = [(e, q, lang, k) for e, q, lang, k in plan(qset, config) if (e.name, q.id, lang, k) not in done]
    total, finished = len(todo) + len(done), len(done)
    keyed = [(e, q, lang, k, messages_for(q, lang)) for e, q, lang, k in todo]
    keys = [cache_key(e, msgs, k) for e, q, lang, k, msgs in keyed]
    with db.read() as conn:
        hits = cached_answers(conn, keys)
    writer = _Writer(db, run_id)
    # Workers ask and read the reply; finished cells come back through one queue (O(1) per cell,
    # where waiting on thousands of futures at once would cost O(n) per wake-up).
    done_queue: queue.SimpleQueue[tuple[Cell, str, Reply]] = queue.SimpleQueue()

    def work(e: Endpoint, q: Question, lang: str, k: int, msgs: list[dict[str, str]], key: str) -> None:
        reply = clients[e.name].ask(msgs, seed=k)  # ask() turns every failure into a Reply
        try:
            cell = to_cell(e.name, q, lang, k, reply)
        except Exception as exc:  # noqa: BLE001 - recorded, never dropped (a dead worker would hang the run)
            cell = Cell(e.name, q.id, lang, k, "malformed", reply.content, error=f"unreadable reply "
                        f"({type(exc).__name__})", attempts=reply.attempts, finished_at=now())
        done_queue.put((cell, key, reply))

    pools = {e.name: ThreadPoolExecutor(e.concurrency, thread_name_prefix=f"audit-{e.name}")
             for e in config.endpoints}
    try:
        pending = 0
        for (e, q, lang, k, msgs), key in zip(keyed, keys):
            hit = hits.get(key)
            if hit is not None:
                writer.add(to_cell(e.name, q, lang, k, _cached_reply(hit), cached=True), None, None)
                finished += 1
                continue
            pools[e.name].submit(work, e, q, lang, k, msgs, key)
            pending += 1
        if progress:
            progress(finished, total)
        last = time.monotonic()
        while pending:
            try:
                cell, key, reply = done_queue.get(timeout=1.0)
                writer.add(cell, key, reply)
                finished += 1
                pending -= 1
            except queue.Empty:
                pass
            if time.monotonic() - last > 1.0:
                writer.flush()
                last = time.monotonic()
                if progress:
                    progress(finished, total)
    finally:
        # On Ctrl-C or any error: drop what has not started, keep what finished (resume picks up).
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        writer.flush()
    if progress:
        progress(finished, total)


def _judge_all(db: Database, run_id: str, qset: QuestionSet, config: RunConfig,
               clients: Mapping[str, ChatClient]) -> None:
    if not config.judges:
        return
    with db.read() as conn:
        cells = [c for c in cells_of(conn, run_id) if c.answered]
    questions = {q.id: q for q in qset.questions}
    jobs: list[tuple[Cell, Endpoint, list[dict[str, str]], str]] = []
    for c in cells:
        for j in config.judges:
            if j.name not in c.judgements:
                q = questions[c.question_id]
                # A bare letter means nothing to a judge without the options: show the chosen one.
                shown = (f"{LETTERS[c.choice]}. {q.options[c.language][c.choice]}"
                         if q.is_choice and c.choice is not None else c.content)
                msgs = judge_messages(q, c.language, shown)
                jobs.append((c, j, msgs, cache_key(j, msgs, 0)))
    with db.read() as conn:
        hits = cached_answers(conn, [key for *_, key in jobs])
    verdicts: dict[CellKey, dict[str, dict[str, Any]]] = {c.key: dict(c.judgements) for c in cells}
    new_cache: dict[str, CachedAnswer] = {}
    with ExitStack() as stack:
        pools = {j.name: stack.enter_context(ThreadPoolExecutor(j.concurrency)) for j in config.judges}
        futures: dict[Future[Reply], tuple[Cell, Endpoint, str]] = {}
        for c, j, msgs, key in jobs:
            hit = hits.get(key)
            if hit is not None:
                verdicts[c.key][j.name] = read_judgement(hit.content)
            else:
                futures[pools[j.name].submit(clients[j.name].ask, msgs)] = (c, j, key)
        for fut, (c, j, key) in futures.items():
            reply = fut.result()
            if reply.answered:
                new_cache[key] = CachedAnswer(reply.content, reply.prompt_tokens, reply.completion_tokens,
                                              reply.latency_ms)
                verdicts[c.key][j.name] = read_judgement(reply.content)
            else:
                verdicts[c.key][j.name] = {"error": reply.error or reply.status}
    updated = [replace(c, judgements=verdicts[c.key]) for c in cells if verdicts[c.key] != c.judgements]
    with db.write() as conn:
        for i in range(0, len(updated), 500):
            save_cells(conn, run_id, updated[i:i + 500])
        cache_answers(conn, new_cache)


def _execute(db: Database, run_id: str, qset: QuestionSet, config: RunConfig, keys: Mapping[str, str],
             limits: Limits, progress: Progress | None) -> None:
    with ExitStack() as stack:
        clients = _clients(stack, config.endpoints, keys, limits)
        _ask_all(db, run_id, qset, config, clients, progress)
        judges = tuple(replace(j, temperature=JUDGE_TEMPERATURE) for j in config.judges)
        _judge_all(db, run_id, qset, replace(config, judges=judges), _clients(stack, judges, keys, limits))
    with db.read() as conn:
        cells = cells_of(conn, run_id)
    summary = build_report(run_id, qset, config.to_dict(), cells)
    with db.write() as conn:
        finish_run(conn, run_id, summary)


def run_audit(db: Database, qset: QuestionSet, config: RunConfig, *, keys: Mapping[str, str] | None = None,
              limits: Limits = Limits(), created_by: str | None = None, progress: Progress | None = None,
              on_created: Callable[[str], None] | None = None) -> str:
    """Run a new audit to the end; its id. Keys map endpoint names to API keys (never stored)."""
    validate(qset, config)
    with db.write() as conn:
        run_id = create_run(conn, qset, config.to_dict(), created_by)
    if on_created:
        on_created(run_id)
    _execute(db, run_id, qset, config, keys or {}, limits, progress)
    return run_id


def resume_audit(db: Database, run_id: str, *, keys: Mapping[str, str] | None = None, limits: Limits = Limits(),
                 progress: Progress | None = None) -> str:
    """Carry an interrupted run on from its stored cells (and re-ask the failed ones)."""
    with db.read() as conn:
        run = get_run(conn, run_id)
        failed = [c for c in cells_of(conn, run_id) if not c.answered]
    config = RunConfig.from_dict(run.config)
    if failed:  # a resume retries the cells that failed last time
        with db.write() as conn:
            forget_cells(conn, run_id, [c.key for c in failed])
    _execute(db, run_id, run.question_set, config, keys or {}, limits, progress)
    return run_id
