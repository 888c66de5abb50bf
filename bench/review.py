"""Benchmark of the review stage on labelled derivative synopses, development and held-out.

Sets:
- `data/review_set.jsonl`: our first set (zh + en), split `dev` / `test`.
- `data/review/dev.jsonl`: development cases written while adjusting the rules (all seven
  IPs; zh, en, traditional characters, code-switching, homophones, paraphrases of one
  violation, faithful retellings that use strong words).
- `data/review/writers/w*.jsonl`: thirty-seven more writers who never saw the rules or the
  held-out set, each in another register; development data since the learned signal and
  a few rule mends (homophones, declared frames, negated terms, verbs of hearing) were fitted on them.
- `data/review/heldout.jsonl`: written by someone who never saw the rules; nothing is
  tuned on it and this script prints only aggregate figures for it, never a case.
- `data/review/heldout2/h*.jsonl`: a second held-out set, 520 cases by four writers who saw
  only the canon cards, written after pack 2026.5 was committed and in registers no other set
  uses (group chats, the adaptation's own dialogue and subtitles, Q&A answers and pupils'
  book reports, Hong Kong press and merchandise listings). Aggregates only, as above.
- `data/review/heldout3/h*.jsonl`: a third held-out set, 390 cases by three more such writers,
  written while pack 2026.6 was fitted and first read by the run after it was committed
  (older readers' letters and trending-topic blurbs, heritage tourism and live games built on
  the IPs, creators' prompts to AI generators). Aggregates only.
- `data/review/heldout4/h*.jsonl`: a fourth held-out set, 390 cases by three more such writers,
  mostly English and code-switched (the languages whose rejects fell short on the second and
  third sets), written after pack 2026.6 was committed: English-speaking viewers' threads,
  reviews and comments abroad; Singaporean and Malaysian code-switching in chats and blogs;
  English reference writing (wiki recaps, trope entries, newsletters, game codex text).
  Aggregates only.
- `data/review/heldout5/h*.jsonl`: a fifth held-out set, 390 cases by three more such writers,
  written after pack 2026.6 was committed: the creator economy (crowdfunding pages, supporters'
  posts, sponsorship pitches); North American diaspora community writing, mostly in traditional
  characters and code-switched; fact-checks and moderators' verdicts that confirm or debunk
  claims about an adaptation. Aggregates only.
- `data/review/heldout6/h*.jsonl`: a sixth held-out set, 390 cases by three more such writers,
  written after pack 2026.7 was committed, 143 of them code-switched: fansubbers' and
  translators' notes; platform support tickets, abuse reports and appeals; office messages at
  content companies with English words inside Chinese sentences. Aggregates only.
- `data/review/heldout7/h*.jsonl`: a seventh held-out set, 390 cases by three more such writers,
  written after pack 2026.8 was committed, 150 of them code-switched: Malaysian and Indonesian
  Chinese community posts and letters; tech and AI-industry writing about AI video tools;
  language learners' posts and native speakers' replies. Aggregates only.
- `data/review/heldout8/h*.jsonl`: an eighth held-out set, 390 cases by three more such writers,
  written after pack 2026.9 was committed, all short and plain (one or two sentences of 30-120
  characters, most naming the work as AI-made): archive and catalogue records, audio
  description, voice assistants' summaries. Aggregates only.

Each set is decided three times in one process: under `baseline` (the policy with the
signals of issue 17 switched off: clause-level inversions with pronoun resolution, card
prototypes, modern polity/military anachronisms, martial-arts violence in non-fighting
canon, the learned referral signal), under `rules` (only the learned referral signal
switched off) and under the current policy. Figures per category (`kind`) and per language: violations not
passed, rejects rejected, acceptable retellings rejected, and the reject / review rates.
Speed is the ratio of the per-review time of current to baseline and to rules, one item at a time, with fresh models.
Targets (held-out, each language): >= 90% of violations not passed, >= 80% of rejects
rejected, <= 5% of acceptable retellings rejected; speed ratio <= 1.5.

Usage: python bench/review.py [-v] [--no-heldout | --heldout NAMES] [--no-speed | --speed-only] [--quick]
(-v lists misses on the development sets only; --heldout heldout4 (or a comma-separated list of
heldout, heldout2 ... heldout8) reads only those held-out sets, so a run for a new set
does not read the others once more; --speed-only reads no held-out case; --quick is
--no-heldout --no-speed. An unknown option or set name stops the run before any set is read.)
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
from culturebridge.review.policy import Policy, policy_from_dict

HERE = Path(__file__).parent / "data"
FIRST_SET = HERE / "review_set.jsonl"
DEV = HERE / "review" / "dev.jsonl"
HELDOUT = HERE / "review" / "heldout.jsonl"
HELDOUT2 = HERE / "review" / "heldout2"
HELDOUT3 = HERE / "review" / "heldout3"
HELDOUT4 = HERE / "review" / "heldout4"
HELDOUT5 = HERE / "review" / "heldout5"
HELDOUT6 = HERE / "review" / "heldout6"
HELDOUT7 = HERE / "review" / "heldout7"
HELDOUT8 = HERE / "review" / "heldout8"
FRESH = ((HELDOUT2, "written after pack 2026.5"), (HELDOUT3, "first read after pack 2026.6"),
         (HELDOUT4, "written after pack 2026.6"), (HELDOUT5, "written after pack 2026.6"),
         (HELDOUT6, "written after pack 2026.7"), (HELDOUT7, "written after pack 2026.8"),
         (HELDOUT8, "written after pack 2026.9"))
HELDOUT_NAMES = ("heldout", *(folder.name for folder, _ in FRESH))
WRITERS = HERE / "review" / "writers"
POLICY = "cn-nrta-ai-alteration"
# The signals added in this round, switched off to measure "before" in the same process.
BASELINE_OFF: dict[str, dict[str, Any]] = {
    "fidelity": {"clause_rules": False, "prototypes": False},
    "safety": {"martial_arts": False, "semantic": False},
    "misplacement": {"polity_markers": False},
    "learned": {"refer": False},
}
# The learned referral signal alone switched off: the rules as they were before it.
RULES_OFF: dict[str, dict[str, Any]] = {"learned": {"refer": False}}

Row = dict[str, Any]


def load(path: Path) -> list[Row]:
    """The labelled rows of a JSONL set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def item_of(row: Row) -> ReviewItem:
    """The ReviewItem a row describes (zh-Hant reviews as zh, mixed without a language)."""
    lang = str(row.get("lang", ""))
    return ReviewItem(
        ip=str(row["ip"]), text=str(row["text"]), item_id=str(row["id"]),
        lang="zh" if lang.startswith("zh") else "en" if lang == "en" else None,
        ai_generated=bool(row.get("ai_generated", False)), labelled=bool(row.get("labelled", False)),
    )


def baseline_policy(off: dict[str, dict[str, Any]] = BASELINE_OFF, source: str = "baseline") -> Policy:
    """The bundled policy with some signals switched off (default: this round's)."""
    current = load_policy(POLICY)
    del current  # validates the bundled file first
    from importlib import resources

    import yaml

    path = resources.files("culturebridge.review") / "policies" / f"{POLICY}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["checks"]:
        rule.setdefault("params", {}).update(off.get(rule["check"], {}))
    return policy_from_dict(data, source=source)


def _pct(k: int, n: int) -> str:
    return f"{k}/{n}={k / n:.0%}" if n else "-"


def figures(pairs: Sequence[tuple[Row, Decision]]) -> dict[str, str]:
    """Violations not passed, rejects rejected, acceptable rejected / sent to review."""
    viol = [d for r, d in pairs if r["expected"] != "pass"]
    rej = [d for r, d in pairs if r["expected"] == "reject"]
    ok = [d for r, d in pairs if r["expected"] == "pass"]
    return {
        "n": str(len(pairs)),
        "viol not passed": _pct(sum(d.decision != "pass" for d in viol), len(viol)),
        "viol rejected": _pct(sum(d.decision == "reject" for d in viol), len(viol)),
        "viol to desk": _pct(sum(d.decision == "review" for d in viol), len(viol)),
        "rejects rejected": _pct(sum(d.decision == "reject" for d in rej), len(rej)),
        "ok rejected": _pct(sum(d.decision == "reject" for d in ok), len(ok)),
        "ok to desk": _pct(sum(d.decision == "review" for d in ok), len(ok)),
    }


def table(title: str, groups: dict[str, list[tuple[Row, Decision]]]) -> None:
    """Print one figures row per group."""
    cols = ["n", "viol not passed", "viol rejected", "viol to desk", "rejects rejected", "ok rejected", "ok to desk"]
    print(f"  {title:<16}" + "".join(f"{c:>18}" for c in cols))
    for key in sorted(groups):
        f = figures(groups[key])
        print(f"  {key:<16}" + "".join(f"{f[c]:>18}" for c in cols))


def by(pairs: Sequence[tuple[Row, Decision]], key: Callable[[Row], str]) -> dict[str, list[tuple[Row, Decision]]]:
    """Pairs grouped by a row key."""
    out: dict[str, list[tuple[Row, Decision]]] = {}
    for r, d in pairs:
        out.setdefault(key(r), []).append((r, d))
    return out


def clause_rates(pairs: Sequence[tuple[Row, Decision]]) -> str:
    """Per policy clause: items rejected / referred to the desk because of that clause."""
    counts: dict[str, list[int]] = {}
    for _, d in pairs:
        seen: dict[str, str] = {}
        for reason in d.reasons:
            if reason.outcome == "reject" or reason.clause not in seen:
                seen[reason.clause] = reason.outcome
        for clause, outcome in seen.items():
            c = counts.setdefault(clause, [0, 0])
            c[0 if outcome == "reject" else 1] += 1
    return ", ".join(f"{k}: reject {v[0]} / desk {v[1]}" for k, v in sorted(counts.items())) or "none"


# The kind of violation (the learned signal's `learned-<kind>`) each set's labels name; the
# pack ties each kind to its clause.
KIND_OF = {"trait-inversion": "fidelity", "fidelity": "fidelity", "violence": "violence", "vulgarity": "violence",
           "sexual": "violence", "values": "violence", "anachronism": "era", "history": "era",
           "childrens": "childrens", "children": "childrens"}


def clause_cited(pairs: Sequence[tuple[Row, Decision]], policy: Policy) -> str:
    """Of the violations not passed: how many decisions cite the clause of the labelled kind
    (the one the policy ties `learned-<kind>` to) among the reasons that decided them (the
    reasons with the decision's outcome)."""
    learned = policy.rule("learned")
    if learned is None:
        return "-"
    caught = [(r, d) for r, d in pairs if r["expected"] != "pass" and d.decision != "pass"]
    right = sum(learned.clause_for(f"learned-{KIND_OF[str(r['kind'])]}")
                in {x.clause for x in d.reasons if x.outcome == d.decision} for r, d in caught)
    return f"{right}/{len(caught)}" + (f"={right / len(caught):.0%}" if caught else "")


def report(name: str, rows: list[Row], decisions: list[Decision], policy: Policy, *, verbose: bool) -> None:
    """Print the figures of one set under one policy; misses only when verbose (dev sets)."""
    pairs = list(zip(rows, decisions))
    print(f"\n[{name}]")
    table("all", {"all": pairs})
    table("by category", by(pairs, lambda r: str(r["kind"])))
    table("by language", by(pairs, lambda r: str(r["lang"])))
    writers = by(pairs, lambda r: str(r["id"]).split("-")[0])
    if len(writers) > 1:
        table("by writer", writers)
    print(f"  per clause (items): {clause_rates(pairs)}; the labelled kind's clause cited: {clause_cited(pairs, policy)}")
    if verbose:
        for r, d in pairs:
            if d.decision != r["expected"]:
                why = "; ".join(f"{f.kind}/{f.severity}:{f.evidence.quote[:24]}" for f in d.findings) or "no findings"
                print(f"    MISS {r['id']} [{r['lang']}/{r['kind']}]: expected {r['expected']}, got {d.decision} ({why})")


def per_review_ms(policy: Policy, cards: Any, items: list[ReviewItem]) -> float:
    """CPU milliseconds of this process per review, one item at a time, fresh models (weights
    loaded outside the timing). CPU time, not wall time: the machine is shared, and under load
    wall-clock ratios swing both ways by 30% or more."""
    models = load_models(frames=False)
    reviewer = Reviewer(policy, cards, models=models)
    if models.embedder is not None:
        models.embedder.get()(["warm-up sentence"])
    if models.profanity is not None:
        models.profanity.get()(["warm-up sentence"])
    for ip in cards:  # compile each card's canon index, as a long-running service has
        reviewer.review(ReviewItem(ip=ip, text="A fisherman mends his net by the river."))
    started = time.process_time()
    for item in items:
        reviewer.review(item)
    return 1000 * (time.process_time() - started) / len(items)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description="Benchmark of the review stage (development and held-out sets).")
    parser.add_argument("-v", action="store_true", help="list misses on the development sets")
    held = parser.add_mutually_exclusive_group()
    held.add_argument("--no-heldout", action="store_true", help="leave the held-out sets out")
    held.add_argument("--heldout", default=",".join(HELDOUT_NAMES),
                      help=f"the held-out sets to read, comma-separated (default: all of {', '.join(HELDOUT_NAMES)})")
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--no-speed", action="store_true", help="skip the speed comparison")
    speed.add_argument("--speed-only", action="store_true", help="only the speed comparison (reads no held-out case)")
    speed.add_argument("--quick", action="store_true",
                       help="development sets only, no speed comparison (what `make bench` runs)")
    # An option it does not know stops the run here, before any set is read: the held-out
    # set is never run by a mistyped or unknown option.
    args = parser.parse_args()
    chosen = set(args.heldout.split(","))
    if chosen - set(HELDOUT_NAMES):
        parser.error(f"unknown held-out set(s) {', '.join(sorted(chosen - set(HELDOUT_NAMES)))}; "
                     f"known: {', '.join(HELDOUT_NAMES)}")
    verbose = args.v
    if args.quick:
        args.no_heldout = args.no_speed = True
    cards = load_canon_dir(default_canon_dir())
    policies = {"baseline": baseline_policy(), "rules": baseline_policy(RULES_OFF, "rules"), "current": load_policy(POLICY)}
    sets: list[tuple[str, list[Row], bool]] = []
    first = load(FIRST_SET)
    sets.append(("first set, dev split", [r for r in first if r["split"] == "dev"], True))
    sets.append(("first set, test split", [r for r in first if r["split"] == "test"], False))
    sets.append(("review/dev.jsonl (development)", load(DEV), True))
    writers = [r for path in sorted(WRITERS.glob("w*.jsonl")) for r in load(path)]
    if writers:
        sets.append(("review/writers (development: the learned signal is fitted on them)", writers, True))
    reading = not args.no_heldout and not args.speed_only
    if reading and "heldout" in chosen and HELDOUT.exists():
        sets.append(("review/heldout.jsonl (HELD OUT, aggregates only)", load(HELDOUT), False))
    for folder, when in FRESH:
        if not (reading and folder.name in chosen):
            continue
        fresh = [r for path in sorted(folder.glob("h*.jsonl")) for r in load(path)]
        if fresh:
            sets.append((f"review/{folder.name} (HELD OUT, {when}; aggregates only)", fresh, False))
    models = load_models(frames=False)
    speed_only = args.speed_only
    for label, policy in [] if speed_only else list(policies.items()):
        reviewer = Reviewer(policy, cards, models=models)
        for name, rows, dev in sets:
            decisions = [reviewer.review(item_of(r)) for r in rows]
            report(f"{label}: {name}", rows, decisions, policy, verbose=verbose and dev and label == "current")
    if speed_only:
        sets.clear()
    rules_only = Reviewer(policies["current"], cards, models=Models.none())
    full = Reviewer(policies["current"], cards, models=models)
    every = [item_of(r) for _, rows, dev in sets if dev for r in rows]
    same = sum(full.review(i).decision == rules_only.review(i).decision for i in every)
    if every:
        print(f"\nrules-only agrees with full models on {same}/{len(every)} development decisions")
    if not args.no_speed:
        speed_items = [item_of(r) for r in first] + [item_of(r) for r in load(DEV)]
        # Alternate the two three times (the machine is shared: load drifts) and take medians.
        runs = [tuple(per_review_ms(policies[k], cards, speed_items) for k in ("baseline", "rules", "current"))
                for _ in range(3)]
        for name, i in (("baseline", 0), ("rules (no learned signal)", 1)):
            before = sorted(r[i] for r in runs)[1]
            after = sorted(r[2] for r in runs)[1]
            ratios = sorted(r[2] / r[i] for r in runs)
            print(f"CPU per review, full models, one at a time (median of 3 alternating runs): {name} {before:.1f} ms, "
                  f"current {after:.1f} ms, ratio {ratios[1]:.2f} (runs {', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.5)")


if __name__ == "__main__":
    main()
