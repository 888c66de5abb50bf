"""Benchmark of the review stage on a labelled set of derivative synopses.

The set (`bench/data/review_set.jsonl`) is ours: faithful adaptations, bold but acceptable
retellings (new plot, declared modern setting), and violations of each NRTA criterion, in
zh and en, split into `dev` (rules were adjusted looking at these) and `test` (held out).
Prints precision/recall per decision for each split, the share of acceptable retellings
rejected, and throughput with and without the embedding model (no LLM judge).
Targets: reject recall >= 0.9; <= 5% of acceptable retellings rejected; >= 200 reviews/s.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from culturebridge.review import (
    Decision,
    Models,
    Reviewer,
    ReviewItem,
    default_canon_dir,
    load_canon_dir,
    load_models,
    load_policy,
)

DATA = Path(__file__).parent / "data" / "review_set.jsonl"
ACCEPTABLE = {"faithful", "bold", "label"}


def load_rows() -> list[dict[str, object]]:
    """The labelled rows of the set."""
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def item_of(row: dict[str, object]) -> ReviewItem:
    """The ReviewItem a row describes."""
    return ReviewItem(
        ip=str(row["ip"]), text=str(row["text"]), lang=str(row["lang"]), item_id=str(row["id"]),
        ai_generated=bool(row.get("ai_generated", False)), labelled=bool(row.get("labelled", False)),
    )


def report(name: str, rows: list[dict[str, object]], decisions: list[Decision], verbose: bool) -> None:
    """Print per-decision precision/recall and the acceptable-rejected share."""
    pairs = [(str(r["expected"]), d.decision) for r, d in zip(rows, decisions)]
    print(f"\n[{name}] {len(rows)} items")
    for label in ("pass", "review", "reject"):
        tp = sum(1 for e, p in pairs if e == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        actual = sum(1 for e, _ in pairs if e == label)
        precision = tp / predicted if predicted else float("nan")
        recall = tp / actual if actual else float("nan")
        print(f"  {label:<7} precision {precision:.3f}  recall {recall:.3f}  (n={actual}, predicted={predicted})")
    flagged = sum(1 for e, p in pairs if e == "reject" and p != "pass")
    rejects = sum(1 for e, _ in pairs if e == "reject")
    print(f"  reject items flagged at all (review or reject): {flagged}/{rejects}")
    acceptable = [(r, d) for r, d in zip(rows, decisions) if r["kind"] in ACCEPTABLE]
    bad = sum(1 for _, d in acceptable if d.decision == "reject")
    sent = sum(1 for _, d in acceptable if d.decision == "review")
    print(f"  acceptable retellings rejected: {bad}/{len(acceptable)} = {bad / len(acceptable):.1%}; "
          f"sent to review: {sent}/{len(acceptable)}")
    print(f"  confusion (expected->decided): {dict(sorted(Counter(f'{e}->{p}' for e, p in pairs).items()))}")
    if verbose:
        for r, d in zip(rows, decisions):
            if d.decision != r["expected"]:
                why = "; ".join(f"{f.kind}:{f.evidence.quote[:30]}" for f in d.findings) or "no findings"
                print(f"    MISS {r['id']}: expected {r['expected']}, got {d.decision} ({why})")


def throughput(reviewer: Reviewer, items: list[ReviewItem], rounds: int = 3) -> float:
    """Reviews per second, one item at a time, after a warm-up pass."""
    for item in items:
        reviewer.review(item)
    started = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            reviewer.review(item)
    return rounds * len(items) / (time.perf_counter() - started)


def with_models(prepared: Reviewer, items: list[ReviewItem], batch: int) -> float:
    """Reviews per second with USE + profanity models, cold memo (each sentence computed once).

    The canon side (each card's opposites and traits) is compiled and embedded once per
    card, as in a long-running service: `prepared` has seen every IP. The models are fresh
    instances, so every item sentence is computed inside the timing. batch=1 reviews one
    item at a time; larger batches go through `review_many` (one model call per batch).
    """
    models = load_models(frames=False)
    reviewer = prepared.with_models(models)
    # Load the weights and the tokenizer outside the timing (a service does it once at start),
    # and compile each card's canon index, as a long-running service has.
    if models.embedder is not None:
        models.embedder.get()(["warm-up sentence"])
    if models.profanity is not None:
        models.profanity.get()(["warm-up sentence"])
    for ip in prepared.cards:
        reviewer.review(ReviewItem(ip=ip, text="A fisherman mends his net by the river."))
    started = time.perf_counter()
    if batch == 1:
        for item in items:
            reviewer.review(item)
    else:
        for i in range(0, len(items), batch):
            reviewer.review_many(items[i : i + batch])
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    """Run the benchmark and print its figures."""
    verbose = "-v" in sys.argv
    rows = load_rows()
    cards = load_canon_dir(default_canon_dir())
    policy = load_policy("cn-nrta-ai-alteration")
    full = Reviewer(policy, cards, models=load_models(frames=False))
    items = [item_of(r) for r in rows]
    decisions = [full.review(i) for i in items]
    for split in ("dev", "test"):
        chosen = [(r, d) for r, d in zip(rows, decisions) if r["split"] == split]
        report(split, [r for r, _ in chosen], [d for _, d in chosen], verbose)
    report("all", rows, decisions, False)
    rules_only = Reviewer(policy, cards, models=Models.none())
    same = sum(a.decision == rules_only.review(i).decision for a, i in zip(decisions, items))
    print(f"\nrules-only agrees with full models on {same}/{len(items)} decisions")
    print(f"throughput, full models, one item at a time: {with_models(full, items, 1):.0f} reviews/s")
    print(f"throughput, full models, review_many batches of 64: {with_models(full, items, 64):.0f} reviews/s")
    print(f"throughput, rules and lexicons only:       {throughput(rules_only, items):.0f} reviews/s")


if __name__ == "__main__":
    main()
