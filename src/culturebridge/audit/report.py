"""A run's report: every measure per cell, aggregated per endpoint x language x topic (pure).

A cell here is one question x endpoint x language (its K samples pooled). Refusal is the
judge panel's majority where judges gave a valid verdict, else the language's rules; both
rates are reported. A cell is *divergent* when its refusal rate, or (multiple choice) its
answer distribution, is far from the rest of its row: divergence = max(|r - mean r of the
row|, 1 - similarity(distribution, pooled row distribution)) >= DIVERGENT.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations
from statistics import median
from typing import Any

from culturebridge.audit.agreement import cohen_kappa, fleiss_kappa
from culturebridge.audit.cells import Cell
from culturebridge.audit.entities import entities, jaccard
from culturebridge.audit.measures import correctness, distribution, mean, pooled, similarity
from culturebridge.audit.questions import Question, QuestionSet
from culturebridge.audit.refusal import is_refusal
from culturebridge.audit.sentiment import sentiment

DIVERGENT = 0.3
EXCERPT = 600


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def _judged_refusal(c: Cell) -> bool | None:
    votes = [bool(v["refusal"]) for v in c.judgements.values() if "refusal" in v]
    if not votes:
        return None
    return sum(votes) * 2 > len(votes)


def _judged_stance(c: Cell) -> str | None:
    votes = Counter(v["stance"] for v in c.judgements.values() if "stance" in v)
    return votes.most_common(1)[0][0] if votes else None


def _stated(q: Question, lang: str, c: Cell) -> str:
    """What an answer states: for a choice, the chosen option's text (a bare "B" names no fact)."""
    if q.is_choice and c.choice is not None:
        return f"{q.options[lang][c.choice]}\n{c.content}"
    return c.content


def _cell_measures(q: Question, lang: str, samples: Sequence[Cell]) -> dict[str, Any]:
    answered = [c for c in samples if c.answered]
    rule = [is_refusal(c.content, lang) for c in answered]
    judged = [_judged_refusal(c) for c in answered]
    refused = [j if j is not None else r for r, j in zip(rule, judged)]
    substantive = [c for c, r in zip(answered, refused) if not r]
    failures = Counter(c.status for c in samples if c.status != "ok")
    facts = q.expect.get(lang, ())
    stances = Counter(s for c in answered if (s := _judged_stance(c)) is not None)
    out: dict[str, Any] = {
        "samples": len(samples), "answers": len(answered),
        "refusal_rate": _round(sum(refused) / len(answered)) if answered else None,
        "refusal_rate_rules": _round(sum(rule) / len(answered)) if answered else None,
        "refusal_rate_judges": _round(mean([float(j) for j in judged if j is not None])),
        "failures": dict(failures),
        "sentiment": _round(mean([sentiment(c.content, lang) for c in substantive])),
        "correctness": _round(mean([0.0 if r else correctness(_stated(q, lang, c), facts, lang)
                                    for c, r in zip(answered, refused)])) if facts else None,
        "entities": sorted(set().union(*[entities(c.content, lang) for c in substantive])) if substantive else [],
        "stance": dict(stances),
        "excerpt": next((c.content[:EXCERPT] for c in answered), ""),
        "errors": sorted({c.error for c in samples if c.error})[:3],
    }
    if q.is_choice:
        out["distribution"] = distribution([c.choice for c in answered], q.option_count)
        out["unparsed"] = sum(1 for c in answered if c.choice is None)
    return out


def _divergence(cell: dict[str, Any], row: list[dict[str, Any]]) -> float | None:
    parts: list[float] = []
    rates = [c["refusal_rate"] for c in row if c["refusal_rate"] is not None]
    if cell["refusal_rate"] is not None and rates:
        parts.append(abs(cell["refusal_rate"] - sum(rates) / len(rates)))
    if cell.get("distribution") is not None:
        consensus = pooled([c["distribution"] for c in row if c.get("distribution") is not None])
        if consensus is not None:
            parts.append(1.0 - similarity(cell["distribution"], consensus))
    return max(parts) if parts else None


def _kappas(cells: Sequence[Cell], judges: Sequence[str]) -> dict[str, Any]:
    if len(judges) < 2:
        return {"judges": list(judges), "method": None, "refusal": None, "stance": None, "items": 0}
    rated = [c for c in cells if all("stance" in c.judgements.get(j, {}) for j in judges)]
    refusal = [[str(c.judgements[j]["refusal"]) for j in judges] for c in rated]
    stance = [[str(c.judgements[j]["stance"]) for j in judges] for c in rated]
    if len(judges) == 2:
        method = "cohen"
        k_ref = cohen_kappa([r[0] for r in refusal], [r[1] for r in refusal])
        k_st = cohen_kappa([r[0] for r in stance], [r[1] for r in stance])
    else:
        method, k_ref, k_st = "fleiss", fleiss_kappa(refusal), fleiss_kappa(stance)
    return {"judges": list(judges), "method": method, "refusal": _round(k_ref), "stance": _round(k_st),
            "items": len(rated)}


def build_report(run_id: str, qset: QuestionSet, config: dict[str, Any], cells: Sequence[Cell]) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    names = [e["name"] for e in config["endpoints"]]
    langs = list(config["languages"])
    by_cell: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    for c in cells:
        by_cell[(c.question_id, c.endpoint, c.language)].append(c)
    questions: list[dict[str, Any]] = []
    for q in qset.questions:
        grid = {n: {lang: _cell_measures(q, lang, by_cell.get((q.id, n, lang), [])) for lang in langs}
                for n in names}
        row = [grid[n][lang] for n in names for lang in langs]
        for cell in row:
            d = _divergence(cell, row)
            cell["divergence"] = _round(d)
            cell["divergent"] = d is not None and d >= DIVERGENT
        questions.append({"id": q.id, "topic": q.topic, "tier": q.tier, "prompts": dict(q.prompts),
                          "options": {k: list(v) for k, v in q.options.items()}, "cells": grid})
    endpoints = _per_endpoint(questions, names, langs)
    topics = _per_topic(questions, names, langs)
    return {
        "run_id": run_id, "set": {"id": qset.id, "version": qset.version, "digest": qset.digest()},
        "languages": langs, "samples": config["samples"], "endpoints": endpoints,
        "pairs": _pairs(questions, names, langs), "topics": topics,
        "entity_overlap": _entity_overlap(questions, names, langs),
        "consistency": _consistency(questions, qset, names, langs),
        "agreement": _kappas([c for c in cells if c.answered], [j["name"] for j in config.get("judges", [])]),
        "cost": _cost(cells, names), "questions": questions, "divergent_threshold": DIVERGENT,
    }


def _per_endpoint(questions: list[dict[str, Any]], names: list[str], langs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        out[n] = {}
        for lang in langs:
            cells = [q["cells"][n][lang] for q in questions]
            answers = sum(c["answers"] for c in cells)
            refused = sum((c["refusal_rate"] or 0.0) * c["answers"] for c in cells)
            failures: Counter[str] = Counter()
            for c in cells:
                failures.update(c["failures"])
            out[n][lang] = {
                "refusal_rate": _round(refused / answers) if answers else None, "answers": answers,
                "failures": dict(failures),
                "correctness": _round(mean([c["correctness"] for c in cells])),
                "sentiment": _round(mean([c["sentiment"] for c in cells])),
                "questions": {q["id"]: {"distribution": q["cells"][n][lang]["distribution"]}
                              for q in questions if "distribution" in q["cells"][n][lang]},
            }
    return out


def _per_topic(questions: list[dict[str, Any]], names: list[str], langs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for topic in dict.fromkeys(q["topic"] for q in questions):
        qs = [q for q in questions if q["topic"] == topic]
        out[topic] = {n: {lang: {
            "refusal_rate": _round(mean([q["cells"][n][lang]["refusal_rate"] for q in qs])),
            "divergence": _round(mean([q["cells"][n][lang]["divergence"] for q in qs])),
            "sentiment": _round(mean([q["cells"][n][lang]["sentiment"] for q in qs])),
            "correctness": _round(mean([q["cells"][n][lang]["correctness"] for q in qs])),
        } for lang in langs} for n in names}
    return out


def _mc_similarity(questions: list[dict[str, Any]], a: tuple[str, str], b: tuple[str, str]) -> tuple[float | None, int]:
    sims = [similarity(da, db) for q in questions
            if (da := q["cells"][a[0]][a[1]].get("distribution")) is not None
            and (db := q["cells"][b[0]][b[1]].get("distribution")) is not None]
    return (sum(sims) / len(sims) if sims else None), len(sims)


def _pairs(questions: list[dict[str, Any]], names: list[str], langs: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for a, b in combinations(names, 2):
        for lang in langs:
            sim, n = _mc_similarity(questions, (a, lang), (b, lang))
            out.append({"kind": "endpoints", "a": a, "b": b, "language": lang, "similarity": _round(sim),
                        "questions": n})
    for name in names:
        for la, lb in combinations(langs, 2):
            sim, n = _mc_similarity(questions, (name, la), (name, lb))
            out.append({"kind": "languages", "endpoint": name, "a": la, "b": lb, "similarity": _round(sim),
                        "questions": n})
    return out


def _entity_overlap(questions: list[dict[str, Any]], names: list[str], langs: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for a, b in combinations(names, 2):
        for lang in langs:
            vals = [jaccard(q["cells"][a][lang]["entities"], q["cells"][b][lang]["entities"]) for q in questions]
            out.append({"a": a, "b": b, "language": lang, "jaccard": _round(mean(vals)),
                        "questions": sum(v is not None for v in vals)})
    if "zh-Hans" in langs and "zh-Hant" in langs:  # one normalised script, so comparable
        for n in names:
            vals = [jaccard(q["cells"][n]["zh-Hans"]["entities"], q["cells"][n]["zh-Hant"]["entities"])
                    for q in questions]
            out.append({"a": n, "b": n, "language": "zh-Hans|zh-Hant", "jaccard": _round(mean(vals)),
                        "questions": sum(v is not None for v in vals)})
    return out


def _consistency(questions: list[dict[str, Any]], qset: QuestionSet, names: list[str],
                 langs: list[str]) -> dict[str, Any]:
    """Does an endpoint say the same thing across languages? Mean per language pair over questions."""
    out: dict[str, Any] = {}
    for n in names:
        out[n] = {}
        for la, lb in combinations(langs, 2):
            scores: list[float] = []
            for q in questions:
                ca, cb = q["cells"][n][la], q["cells"][n][lb]
                parts: list[float] = []
                if ca.get("distribution") is not None and cb.get("distribution") is not None:
                    parts.append(similarity(ca["distribution"], cb["distribution"]))
                if ca["refusal_rate"] is not None and cb["refusal_rate"] is not None:
                    parts.append(1.0 - abs(ca["refusal_rate"] - cb["refusal_rate"]))
                if ca["correctness"] is not None and cb["correctness"] is not None:
                    parts.append(1.0 - abs(ca["correctness"] - cb["correctness"]))
                if parts:
                    scores.append(sum(parts) / len(parts))
            out[n][f"{la}|{lb}"] = _round(mean(scores))
    return out


def _cost(cells: Sequence[Cell], names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        mine = [c for c in cells if c.endpoint == n]
        live = [c for c in mine if not c.cached and c.answered]
        latencies = sorted(c.latency_ms for c in live)
        out[n] = {"cells": len(mine), "cached": sum(c.cached for c in mine), "requests": sum(c.attempts for c in mine),
                  "prompt_tokens": sum(c.prompt_tokens for c in mine),
                  "completion_tokens": sum(c.completion_tokens for c in mine),
                  "latency_ms_median": median(latencies) if latencies else None,
                  "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None}
    return out


def json_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The object `audit run --json` prints: run_id, endpoints (per language) and pairs."""
    return {
        "run_id": report["run_id"],
        "endpoints": {n: {lang: {"refusal_rate": v["refusal_rate"], "answers": v["answers"],
                                 "questions": v["questions"]} for lang, v in langs.items()}
                      for n, langs in report["endpoints"].items()},
        "pairs": [{k: p[k] for k in ("kind", "endpoint", "a", "b", "language", "similarity") if k in p}
                  for p in report["pairs"]],
    }
