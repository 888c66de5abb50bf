"""What changed between two runs: refusal rates, choices, correctness and failures, cell by cell (pure).

Runs compare on the questions, endpoints and languages they share; a different question-set
digest is reported, not refused, so a v2 set can be compared with v1 on the common items.
"""

from __future__ import annotations

from typing import Any

from culturebridge.audit.measures import similarity

REFUSAL_STEP = 0.2  # a cell's refusal rate moving this much is a change
CHOICE_SIMILARITY = 0.8  # answer distributions less similar than this are a change
CORRECTNESS_STEP = 0.34


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def diff_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Changes from report `a` to report `b`."""
    changes: list[dict[str, Any]] = []
    names = [n for n in a["endpoints"] if n in b["endpoints"]]
    langs = [lang for lang in a["languages"] if lang in b["languages"]]
    for n in names:
        for lang in langs:
            ra, rb = a["endpoints"][n][lang]["refusal_rate"], b["endpoints"][n][lang]["refusal_rate"]
            if ra is not None and rb is not None and abs(rb - ra) >= REFUSAL_STEP / 2:
                changes.append({"kind": "refusal_rate", "endpoint": n, "language": lang, "from": ra, "to": rb,
                                "text": f"{n} {lang}: refusal rate {_fmt(ra)} → {_fmt(rb)}"})
    qa = {q["id"]: q for q in a["questions"]}
    for qb in b["questions"]:
        q = qa.get(qb["id"])
        if q is None:
            continue
        for n in names:
            for lang in langs:
                ca, cb = q["cells"][n][lang], qb["cells"][n][lang]
                where = f"{qb['id']} · {n} {lang}"
                base = {"question": qb["id"], "endpoint": n, "language": lang}
                if (ca["refusal_rate"] is not None and cb["refusal_rate"] is not None
                        and abs(cb["refusal_rate"] - ca["refusal_rate"]) >= REFUSAL_STEP):
                    changes.append({**base, "kind": "refusal", "from": ca["refusal_rate"], "to": cb["refusal_rate"],
                                    "text": f"{where}: refusal {_fmt(ca['refusal_rate'])} → {_fmt(cb['refusal_rate'])}"})
                da, db = ca.get("distribution"), cb.get("distribution")
                if da is not None and db is not None and len(da) == len(db):
                    sim = similarity(da, db)
                    if sim < CHOICE_SIMILARITY:
                        changes.append({**base, "kind": "choice", "from": da, "to": db, "similarity": round(sim, 4),
                                        "text": f"{where}: answers moved (similarity {sim:.2f})"})
                if (ca["correctness"] is not None and cb["correctness"] is not None
                        and abs(cb["correctness"] - ca["correctness"]) >= CORRECTNESS_STEP):
                    changes.append({**base, "kind": "correctness", "from": ca["correctness"], "to": cb["correctness"],
                                    "text": f"{where}: correctness {_fmt(ca['correctness'])} → "
                                            f"{_fmt(cb['correctness'])}"})
                if bool(ca["failures"]) != bool(cb["failures"]):
                    changes.append({**base, "kind": "failures", "from": ca["failures"], "to": cb["failures"],
                                    "text": f"{where}: failures {ca['failures'] or 0} → {cb['failures'] or 0}"})
    return {"a": a["run_id"], "b": b["run_id"], "same_set": a["set"]["digest"] == b["set"]["digest"],
            "set": [a["set"], b["set"]], "compared": {"endpoints": names, "languages": langs}, "changes": changes}
