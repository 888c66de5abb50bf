"""Benchmark of the audit stage: wall time against the concurrency ideal, cached re-run, recovered truths.

Run: `.venv/bin/python bench/audit.py [--quick] [--concurrency 8] [--latency 0.2]`.

Four local endpoints speaking the OpenAI chat-completions protocol run in a child process
(tests/audit/chat_servers.py), each answering after `--latency` seconds with a scripted
behaviour: refusal rates per language, a preferred option with a set share, and on one of
them intermittent 429/500 replies. The full run is 60 questions x 3 languages x 4 endpoints
x 5 samples = 3,600 cells. The ideal wall time is set by the per-endpoint concurrency:
max over endpoints of ceil(cells / concurrency) x latency. Scripted rates use run-wide
counters (`spread="language"`), so refusal rates and the favourite option's share pooled
over the run are exact to within 1/N; per-question shares are limited by K samples.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from culturebridge.audit import (
    ChatClient,
    Limits,
    QuestionSet,
    RetryPolicy,
    RunConfig,
    build_report,
    bundled_set_path,
    cells_of,
    get_run,
    load_question_set,
    parse_endpoint,
    run_audit,
)
from culturebridge.audit.prompts import messages_for
from culturebridge.audit.runner import plan
from culturebridge.storage import Database

SCRIPTS: dict[str, dict[str, Any]] = {
    "alpha": {"refuse": {"zh-Hans": 0.4}, "prefer": 0.7, "favourite": 0},
    "beta": {"refuse": {"en": 0.2}, "prefer": 0.5, "favourite": 1},
    "gamma": {"prefer": 0.9, "favourite": 2, "fail_rate": 0.05},
    "delta": {"refuse": {"zh-Hant": 0.6, "zh-Hans": 0.1}, "prefer": 0.6, "favourite": 3},
}
LANGS = ("en", "zh-Hans", "zh-Hant")


def serve(latency: float) -> None:
    """Child process: start the scripted servers, print their URLs, wait for stdin to close."""
    from tests.audit.chat_servers import Script, scripted_server

    with ExitStack() as stack:
        urls = {name: stack.enter_context(scripted_server(Script(delay=latency, spread="language", **spec)))[0]
                for name, spec in SCRIPTS.items()}
        print(json.dumps(urls), flush=True)
        sys.stdin.read()


def _recovered(report: dict[str, Any], qset: QuestionSet) -> tuple[float, list[str]]:
    """Largest |recovered - scripted| over refusal rates and favourite shares; lines to print."""
    worst, lines = 0.0, []
    mc = [q.id for q in qset.questions if q.is_choice]
    for name, spec in SCRIPTS.items():
        for lang in LANGS:
            v = report["endpoints"][name][lang]
            want = spec.get("refuse", {}).get(lang, 0.0)
            got = v["refusal_rate"]
            dists = [v["questions"][q]["distribution"] for q in mc if v["questions"].get(q, {}).get("distribution")]
            share = sum(d[spec["favourite"]] for d in dists) / len(dists)
            worst = max(worst, abs(got - want), abs(share - spec["prefer"]))
            lines.append(f"  {name:<6} {lang:<8} refusal {got:.3f} (scripted {want:.2f})   "
                         f"favourite share {share:.3f} (scripted {spec['prefer']:.2f})")
    return worst, lines


def _raw_requests(qset: QuestionSet, config: RunConfig, limits: Limits) -> None:
    clients = {e.name: ChatClient(e, "not-needed", timeout=limits.timeout, policy=limits.policy)
               for e in config.endpoints}
    with ExitStack() as stack:
        pools = {e.name: stack.enter_context(ThreadPoolExecutor(e.concurrency)) for e in config.endpoints}
        futures = [pools[e.name].submit(clients[e.name].ask, messages_for(q, lang), seed=k)
                   for e, q, lang, k in plan(qset, config)]
        for f in futures:
            f.result()
    for c in clients.values():
        c.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="12 questions x 2 samples instead of 60 x 5")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight per endpoint")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each endpoint takes to answer")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency)
        return 0
    full = load_question_set(bundled_set_path())
    qset = QuestionSet(full.id, full.version, full.questions[::5] if args.quick else full.questions)
    samples = 2 if args.quick else 5
    child = subprocess.Popen([sys.executable, __file__, "--serve", "--latency", str(args.latency)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        urls = json.loads(child.stdout.readline())
        endpoints = tuple(parse_endpoint(f"{n}={u}@scripted", concurrency=args.concurrency) for n, u in urls.items())
        config = RunConfig(endpoints, LANGS, samples)
        cells_per_endpoint = len(qset.questions) * len(LANGS) * samples
        ideal = math.ceil(cells_per_endpoint / args.concurrency) * args.latency
        with tempfile.TemporaryDirectory() as tmp:
            db = Database.open(f"sqlite:///{tmp}/bench.db")
            db.migrate()
            started = time.perf_counter()
            import openai  # noqa: F401  (imported on first request otherwise)

            from culturebridge.audit.entities import entities
            from culturebridge.audit.language import wrong_language

            wrong_language("warm up the language detector", "zh-Hans")
            entities("预热分词器", "zh-Hans")
            warm = time.perf_counter() - started
            limits = Limits(30.0, RetryPolicy(retries=3, backoff=0.2, cap=2.0))
            started = time.perf_counter()
            first = run_audit(db, qset, config, limits=limits)
            wall = time.perf_counter() - started
            started = time.perf_counter()
            second = run_audit(db, qset, config, limits=limits)
            cached = time.perf_counter() - started
            with db.read() as conn:
                report = get_run(conn, first).summary
                again = get_run(conn, second).summary
                started = time.perf_counter()
                stored = cells_of(conn, first)
                build_report(first, qset, config.to_dict(), stored)
                measuring = time.perf_counter() - started
            db.close()
        # Baseline in the same process: the same requests through the same SDK client and pools,
        # with no cache, storage or measures - what this machine allows right now.
        started = time.perf_counter()
        _raw_requests(qset, config, limits)
        raw = time.perf_counter() - started
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
    assert report is not None and again is not None
    cells = len(endpoints) * cells_per_endpoint
    print(f"audit bench: {len(qset.questions)} questions x {len(LANGS)} languages x {len(endpoints)} endpoints x "
          f"{samples} samples = {cells} cells; latency {args.latency * 1000:.0f} ms; concurrency {args.concurrency}")
    print(f"  warm-up (openai import, lingua, jieba: once per process): {warm:.1f} s")
    print(f"  run: {wall:.1f} s; ideal {ideal:.1f} s; ratio {wall / ideal:.2f} (target <= 1.3); of which "
          f"measures and report {measuring:.1f} s (asking alone: ratio {(wall - measuring) / ideal:.2f})")
    busiest = max(v["requests"] for v in report["cost"].values())
    with_retries = math.ceil(busiest / args.concurrency) * args.latency
    print(f"  ideal counting retried requests ({busiest} on the busiest endpoint): {with_retries:.1f} s, "
          f"ratio {wall / with_retries:.2f}")
    print(f"  baseline (same requests, SDK and pools only): {raw:.1f} s, ratio {raw / ideal:.2f} to the ideal; "
          f"audit run / baseline {wall / raw:.2f}")
    print(f"  cached re-run: {cached:.1f} s (target <= 5 s); requests {report['cost']['gamma']['requests']} "
          f"for gamma's {cells_per_endpoint} cells (429/500 retried)")
    worst, lines = _recovered(report, qset)
    print(*lines, sep="\n")
    print(f"  largest deviation from scripted values: {worst:.3f} (target <= 0.05)")
    same = report["endpoints"] == again["endpoints"]
    print(f"  cached re-run reproduces the measures: {same}")
    ok = wall / ideal <= 1.3 and cached <= 5.0 and worst <= 0.05 and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
