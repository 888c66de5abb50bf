"""Runs against scripted local endpoints: measures recover the scripted truths; failures, cache, resume, keys."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from culturebridge.audit._tables import cache, cells, runs
from culturebridge.audit.cells import Cell
from culturebridge.audit.client import RetryPolicy
from culturebridge.audit.endpoints import parse_endpoint
from culturebridge.audit.measures import similarity
from culturebridge.audit.report import json_summary
from culturebridge.audit.runner import Limits, RunConfig, resume_audit, run_audit
from culturebridge.audit.store import cells_of, create_run, get_run, save_cells
from culturebridge.errors import InvalidInput
from culturebridge.ids import now
from culturebridge.storage import Database
from tests.audit.chat_servers import Script, scripted_server
from tests.audit.conftest import FAST, subset

QSET = subset("dragon-boat-origin", "three-body", "mid-autumn-food", "tiananmen-1989")
LANGS = ("en", "zh-Hans", "zh-Hant")
K = 20


def test_measures_recover_scripted_refusal_and_choice_rates(database: Database) -> None:
    steady = Script(refuse={"zh-Hans": 0.4}, prefer=0.7, favourite=0)
    flaky = Script(prefer=0.5, favourite=1, fail_rate=0.3, malformed_rate=0.1, empty_rate=0.1,
                   wrong_language={"zh-Hant": 0.25})
    with scripted_server(steady) as (u1, _), scripted_server(flaky) as (u2, s2):
        config = RunConfig((parse_endpoint(f"steady={u1}@m", concurrency=4),
                            parse_endpoint(f"flaky={u2}@m", concurrency=4)), LANGS, K)
        run_id = run_audit(database, QSET, config, limits=FAST)
    with database.read() as conn:
        report = get_run(conn, run_id).summary
        stored = cells_of(conn, run_id)
    assert report is not None and len(stored) == len(QSET.questions) * len(LANGS) * K * 2
    ep = report["endpoints"]
    assert ep["steady"]["zh-Hans"]["refusal_rate"] == pytest.approx(0.4, abs=0.05)
    assert ep["steady"]["en"]["refusal_rate"] == pytest.approx(0.0, abs=0.05)
    assert ep["steady"]["zh-Hant"]["refusal_rate"] == pytest.approx(0.0, abs=0.05)
    truth_steady, truth_flaky = [0.7, 0.1, 0.1, 0.1], [1 / 6, 0.5, 1 / 6, 1 / 6]
    for qid in ("dragon-boat-origin", "three-body"):
        for lang in ("en", "zh-Hant"):
            got = ep["steady"][lang]["questions"][qid]["distribution"]
            assert got == pytest.approx(truth_steady, abs=0.05), (qid, lang)
        # zh-Hans: 40% refused leaves 12 choices; the favourite's share still holds.
        assert ep["steady"]["zh-Hans"]["questions"][qid]["distribution"][0] == pytest.approx(0.7, abs=0.05)
        assert ep["flaky"]["en"]["questions"][qid]["distribution"] == pytest.approx(truth_flaky, abs=0.05)
    pair = next(p for p in report["pairs"] if p["kind"] == "endpoints" and p["language"] == "en")
    assert pair["similarity"] == pytest.approx(similarity(truth_steady, truth_flaky), abs=0.05)
    same = next(p for p in report["pairs"] if p["kind"] == "languages" and p["endpoint"] == "steady"
                and (p["a"], p["b"]) == ("en", "zh-Hant"))
    assert same["similarity"] == pytest.approx(1.0, abs=0.05)
    # Correctness of a choice is judged on the chosen option: option A (Qu Yuan) is the expected answer.
    dragon = next(q for q in report["questions"] if q["id"] == "dragon-boat-origin")
    assert dragon["cells"]["steady"]["en"]["correctness"] == pytest.approx(0.7, abs=0.05)
    assert dragon["cells"]["flaky"]["en"]["correctness"] == pytest.approx(1 / 6, abs=0.05)
    # The flaky endpoint's 429/500/malformed/empty replies were retried; what stays failed is recorded.
    assert s2.requests > len(QSET.questions) * len(LANGS) * K
    assert sum(c.attempts for c in stored if c.endpoint == "flaky") == s2.requests
    wrong = [c for c in stored if c.status == "wrong_language"]
    assert wrong and all(c.endpoint == "flaky" and c.language == "zh-Hant" for c in wrong)
    assert all(c.error == "answered in en" for c in wrong)
    free_wrong = sum(1 for c in wrong if c.question_id in ("mid-autumn-food", "tiananmen-1989"))
    assert free_wrong == pytest.approx(0.25 * 2 * K, abs=2)
    # The summary object has exactly the documented shape.
    summary = json_summary(report)
    assert set(summary) == {"run_id", "endpoints", "pairs"}
    assert set(summary["endpoints"]["steady"]["en"]) == {"refusal_rate", "answers", "questions"}
    assert set(summary["endpoints"]["steady"]["en"]["questions"]["three-body"]) == {"distribution"}
    assert all("similarity" in p for p in summary["pairs"])
    assert report["cost"]["steady"]["prompt_tokens"] > 0 and report["cost"]["steady"]["latency_ms_median"] is not None


def test_a_dead_or_slow_endpoint_is_recorded_per_cell(database: Database) -> None:
    qset = subset("dragon-boat-origin", "mid-autumn-food")
    with scripted_server(Script(fail_rate=1.0)) as (down, _), scripted_server(Script(delay=1.0)) as (slow, _), \
            scripted_server(Script()) as (fine, _):
        config = RunConfig((parse_endpoint(f"down={down}@m"), parse_endpoint(f"slow={slow}@m"),
                            parse_endpoint(f"fine={fine}@m")), ("en",), 2)
        run_id = run_audit(database, qset, config, limits=Limits(0.2, RetryPolicy(1, 0.001, 0.001)))
    with database.read() as conn:
        run = get_run(conn, run_id)
        stored = cells_of(conn, run_id)
    assert run.state == "done" and run.summary is not None
    by = {name: [c for c in stored if c.endpoint == name] for name in ("down", "slow", "fine")}
    assert all(len(v) == 4 for v in by.values())
    assert {c.status for c in by["down"]} == {"http_error"} and {c.http_status for c in by["down"]} <= {429, 500}
    assert {c.status for c in by["slow"]} == {"timeout"} and all(c.attempts == 2 for c in by["slow"])
    assert {c.status for c in by["fine"]} == {"ok"}
    assert run.summary["endpoints"]["down"]["en"] == {**run.summary["endpoints"]["down"]["en"],
                                                      "refusal_rate": None, "answers": 0,
                                                      "failures": {"http_error": 4}}


def test_rerun_is_served_from_the_cache(database: Database) -> None:
    qset = subset("dragon-boat-origin", "mid-autumn-food")
    with scripted_server(Script(prefer=0.6, refuse={"en": 0.5})) as (url, state):
        config = RunConfig((parse_endpoint(f"a={url}@m"),), ("en", "zh-Hans"), 4)
        first = run_audit(database, qset, config, limits=FAST)
        asked = state.requests
        second = run_audit(database, qset, config, limits=FAST)
        assert state.requests == asked  # nothing asked again
        # A changed parameter is a different cache key: asked afresh.
        third = run_audit(database, qset, replace(config, endpoints=(replace(config.endpoints[0], temperature=0.1),)),
                          limits=FAST)
        assert state.requests == 2 * asked
    with database.read() as conn:
        a, b = get_run(conn, first).summary, get_run(conn, second).summary
        again = cells_of(conn, second)
        assert all(c.cached for c in again) and not any(c.cached for c in cells_of(conn, third))
    assert a is not None and b is not None
    assert a["endpoints"] == b["endpoints"] and a["pairs"] == b["pairs"]


def test_resume_asks_only_what_is_missing_or_failed(database: Database) -> None:
    qset = subset("dragon-boat-origin", "mid-autumn-food")
    with scripted_server(Script()) as (url, state):
        config = RunConfig((parse_endpoint(f"a={url}@m"),), ("en",), 3)
        with database.write() as conn:  # a run that crashed after storing three cells, one of them failed
            run_id = create_run(conn, qset, config.to_dict())
            save_cells(conn, run_id, [
                Cell("a", "dragon-boat-origin", "en", 0, "ok", "A", choice=0, finished_at=now()),
                Cell("a", "dragon-boat-origin", "en", 1, "ok", "A", choice=0, finished_at=now()),
                Cell("a", "mid-autumn-food", "en", 0, "timeout", error="no answer", finished_at=now()),
            ])
        resume_audit(database, run_id, limits=FAST)
        assert state.requests == 6 - 2
    with database.read() as conn:
        run = get_run(conn, run_id)
        stored = cells_of(conn, run_id)
    assert run.state == "done" and len(stored) == 6 and all(c.status == "ok" for c in stored)


class Interrupted(Exception):
    pass


def test_an_interrupted_run_is_left_resumable(database: Database) -> None:
    qset = subset("dragon-boat-origin", "mid-autumn-food")

    def stop(done: int, total: int) -> None:
        raise Interrupted  # as Ctrl-C would, on the first progress report

    with scripted_server(Script(prefer=1.0)) as (url, _):
        config = RunConfig((parse_endpoint(f"a={url}@m", concurrency=1),), ("en", "zh-Hans"), 3)
        created: list[str] = []
        with pytest.raises(Interrupted):
            run_audit(database, qset, config, limits=FAST, progress=stop, on_created=created.append)
        with database.read() as conn:
            assert get_run(conn, created[0]).state == "running"
        resume_audit(database, created[0], limits=FAST)
    with database.read() as conn:
        run = get_run(conn, created[0])
        stored = cells_of(conn, created[0])
    assert run.state == "done" and len(stored) == 12 and all(c.answered for c in stored)
    assert run.summary is not None
    assert run.summary["endpoints"]["a"]["en"]["questions"]["dragon-boat-origin"]["distribution"][0] == 1.0


def test_api_keys_reach_the_endpoint_but_are_never_stored(database: Database) -> None:
    qset = subset("dragon-boat-origin")
    secret = "sk-live-do-not-store-4242"
    with scripted_server(Script()) as (url, state), scripted_server(Script()) as (judge_url, judge_state):
        config = RunConfig((parse_endpoint(f"a={url}@m"),), ("en",), 1, (parse_endpoint(f"j={judge_url}@judge"),))
        run_id = run_audit(database, qset, config, keys={"a": secret, "j": secret + "-judge"}, limits=FAST)
    assert state.auth == {f"Bearer {secret}"} and judge_state.auth == {f"Bearer {secret}-judge"}
    with database.read() as conn:
        dump = " ".join(str(row) for table in (runs, cells, cache) for row in conn.execute(select(table)))
    assert run_id in dump and secret not in dump


def test_judge_panel_scores_stance_with_kappa(database: Database) -> None:
    qset = subset("mid-autumn-food", "tiananmen-1989")
    with scripted_server(Script(refuse={"en": 0.5})) as (url, _), \
            scripted_server(Script(judge_stance="neutral")) as (j1, _), \
            scripted_server(Script(judge_stance="neutral", judge_flip_rate=0.5)) as (j2, _):
        config = RunConfig((parse_endpoint(f"a={url}@m"),), ("en",), 8,
                           (parse_endpoint(f"j1={j1}@judge"), parse_endpoint(f"j2={j2}@judge")))
        run_id = run_audit(database, qset, config, limits=FAST)
    with database.read() as conn:
        report = get_run(conn, run_id).summary
        stored = cells_of(conn, run_id)
    assert report is not None
    assert all(set(c.judgements) == {"j1", "j2"} for c in stored)
    agreement = report["agreement"]
    assert agreement["method"] == "cohen" and agreement["items"] == 16
    assert agreement["refusal"] == 1.0  # both judges see the same refusals
    assert agreement["stance"] is not None and agreement["stance"] < 1.0  # j2 flips half the stances
    cell = report["questions"][0]["cells"]["a"]["en"]
    assert cell["refusal_rate"] == pytest.approx(0.5) and cell["refusal_rate_judges"] == pytest.approx(0.5)
    assert set(cell["stance"]) <= {"neutral", "critical", "none"}


def test_a_run_that_cannot_mean_anything_is_refused(database: Database) -> None:
    qset = subset("dragon-boat-origin")
    e = parse_endpoint("a=http://127.0.0.1:9/v1")
    with pytest.raises(InvalidInput, match="endpoint names must differ"):
        run_audit(database, qset, RunConfig((e, e), ("en",)))
    with pytest.raises(InvalidInput, match="at least one --endpoint"):
        run_audit(database, qset, RunConfig((), ("en",)))
    with pytest.raises(InvalidInput, match="samples"):
        run_audit(database, qset, RunConfig((e,), ("en",), 0))
