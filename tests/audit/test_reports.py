"""HTML report (divergent cells, SVG, no CDN), diff between runs, and hand-off to glossary and canon notes."""

from __future__ import annotations

import re

import pytest

from culturebridge import catalog
from culturebridge.accounts.users import create_user
from culturebridge.audit.diff import diff_reports
from culturebridge.audit.endpoints import parse_endpoint
from culturebridge.audit.handoff import hand_off
from culturebridge.audit.html import standalone_page
from culturebridge.audit.runner import RunConfig, run_audit
from culturebridge.audit.store import findings_of, get_run
from culturebridge.catalog import CanonCard
from culturebridge.errors import InvalidInput, PermissionDenied
from culturebridge.localize import stored_glossary
from culturebridge.storage import Database
from culturebridge.web.i18n import translator
from tests.audit.chat_servers import Script, scripted_server
from tests.audit.conftest import FAST, subset

QSET = subset("dragon-boat-origin", "mid-autumn-food", "journey-west-author")


def _two_runs(db: Database) -> tuple[str, str]:
    with scripted_server(Script(prefer=0.8)) as (u1, _), scripted_server(Script(refuse={"zh-Hans": 1.0})) as (u2, _), \
            scripted_server(Script(prefer=0.8, refuse={"en": 1.0})) as (u3, _):
        first = run_audit(db, QSET, RunConfig((parse_endpoint(f"open={u1}@m"), parse_endpoint(f"shy={u2}@m")),
                                              ("en", "zh-Hans"), 5), limits=FAST)
        second = run_audit(db, QSET, RunConfig((parse_endpoint(f"open={u3}@m"), parse_endpoint(f"shy={u2}@m")),
                                               ("en", "zh-Hans"), 5), limits=FAST)
    return first, second


def test_html_report_marks_divergent_cells_and_draws_svg(database: Database) -> None:
    first, _ = _two_runs(database)
    with database.read() as conn:
        report = get_run(conn, first).summary
    assert report is not None
    page = standalone_page(report, translator("en"))
    assert page.startswith("<!doctype html>") and 'name="viewport"' in page
    assert "<script" not in page and "https://" not in page and "http://cdn" not in page
    assert page.count("<svg") == 2 and 'id="chart-refusal"' in page and 'id="chart-divergence"' in page
    # shy refuses every zh-Hans question: those cells diverge from their rows.
    divergent = re.findall(r'<td class="divergent[^"]*" data-cell="([^"]+)"', page)
    assert divergent and set(divergent) == {"shy|zh-Hans"}
    assert "Refusal rate by topic" in page
    zh = standalone_page(report, translator("zh"), "zh-Hans")
    assert "各主题拒答率" in zh and "并排对照" in zh


def test_diff_lists_what_changed(database: Database) -> None:
    first, second = _two_runs(database)
    with database.read() as conn:
        a, b = get_run(conn, first).summary, get_run(conn, second).summary
    assert a is not None and b is not None
    result = diff_reports(a, b)
    assert result["same_set"] and result["a"] == first and result["b"] == second
    kinds = {(c["kind"], c.get("endpoint"), c.get("language")) for c in result["changes"]}
    assert ("refusal_rate", "open", "en") in kinds and ("refusal", "open", "en") in kinds
    assert not any(c.get("endpoint") == "shy" for c in result["changes"])  # shy answered the same
    assert diff_reports(a, a)["changes"] == []


def test_hand_off_to_glossary_and_canon_with_evidence(database: Database) -> None:
    first, _ = _two_runs(database)
    with database.write() as conn:
        admin = create_user(conn, "admin", "password-for-tests", "admin")
        creator = create_user(conn, "mei", "password-for-tests", "creator")
        card = CanonCard.from_dict({"name": "qu-yuan-legend", "titles": {"zh": "屈原", "en": "Qu Yuan"},
                                    "protection": "classic"})
        catalog.add_ip(conn, admin, card)
        with pytest.raises(PermissionDenied):
            hand_off(conn, creator, run_id=first, question_id="dragon-boat-origin", target="glossary",
                     ip_name="qu-yuan-legend", note="x", term="屈原")
        with pytest.raises(InvalidInput, match="term"):
            hand_off(conn, admin, run_id=first, question_id="dragon-boat-origin", target="glossary",
                     ip_name="qu-yuan-legend", note="x")
        gid = hand_off(conn, admin, run_id=first, question_id="dragon-boat-origin", target="glossary",
                       ip_name="qu-yuan-legend", term="屈原",
                       note="shy refuses in Simplified Chinese; keep the English gloss explicit",
                       cells=["shy|zh-Hans", "open|zh-Hans"])
        cid = hand_off(conn, admin, run_id=first, question_id="dragon-boat-origin", target="canon",
                       ip_name="qu-yuan-legend", note="models agree on the festival's origin")
    with database.read() as conn:
        term = stored_glossary(conn, "qu-yuan-legend").term("屈原")
        found = {f["id"]: f for f in findings_of(conn, first)}
    assert term is not None and f"[audit {first} · dragon-boat-origin]" in term.note
    assert set(found) == {gid, cid} and found[cid]["target"] == "canon"
    evidence = found[gid]["evidence"]
    assert evidence["run_id"] == first and evidence["link"].endswith("#q-dragon-boat-origin")
    assert set(evidence["cells"]) == {"shy|zh-Hans", "open|zh-Hans"}
    assert evidence["cells"]["shy|zh-Hans"]["refusal_rate"] == 1.0
    assert len(found[cid]["evidence"]["cells"]) == 4  # the whole row when no cell is named
