"""The studio's audit pages: the run list and report for admins and reviewers, hand-off form with CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge import catalog
from culturebridge.accounts.users import get_user_by_name
from culturebridge.audit.endpoints import parse_endpoint
from culturebridge.audit.runner import RunConfig, run_audit
from culturebridge.catalog import CanonCard
from culturebridge.platform import Platform
from tests.audit.chat_servers import Script, scripted_server
from tests.audit.conftest import FAST, subset
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _run(platform: Platform) -> str:
    with scripted_server(Script(prefer=0.8)) as (u1, _), scripted_server(Script(refuse={"en": 1.0})) as (u2, _):
        config = RunConfig((parse_endpoint(f"open={u1}@m"), parse_endpoint(f"shy={u2}@m")), ("en", "zh-Hant"), 2)
        return run_audit(platform.db, subset("dragon-boat-origin", "mid-autumn-food"), config, limits=FAST)


def test_reviewer_lists_runs_and_opens_a_report(client: TestClient, platform: Platform) -> None:
    run_id = _run(platform)
    login(client, "rita")
    runs = client.get("/studio/audit")
    assert runs.status_code == 200 and f'href="/studio/audit/{run_id}"' in runs.text
    page = client.get(f"/studio/audit/{run_id}")
    assert page.status_code == 200 and 'id="audit-matrix"' in page.text and "<svg" in page.text
    assert 'href="/static/audit/audit.css"' in page.text and 'data-cell="shy|en"' in page.text
    assert client.get("/static/audit/audit.css").status_code == 200
    assert client.get(f"/studio/audit/{run_id}/report.json").json()["run_id"] == run_id
    client.cookies.set("lang", "zh")
    assert "并排对照" in client.get(f"/studio/audit/{run_id}").text


def test_creators_are_refused_and_handoff_needs_csrf(client: TestClient, platform: Platform) -> None:
    run_id = _run(platform)
    with platform.db.write() as conn:
        catalog.add_ip(conn, get_user_by_name(conn, "admin"), CanonCard.from_dict(
            {"name": "qu-yuan-legend", "titles": {"zh": "屈原", "en": "Qu Yuan"}, "protection": "classic"}))
    login(client, "mei")
    assert client.get("/studio/audit").status_code == 403
    client.cookies.clear()
    login(client, "admin")
    page = client.get(f"/studio/audit/{run_id}")
    form = {"question_id": "dragon-boat-origin", "ip": "qu-yuan-legend", "target": "canon", "note": "shy refuses"}
    assert client.post(f"/studio/audit/{run_id}/handoff", data=form).status_code == 403
    done = client.post(f"/studio/audit/{run_id}/handoff", data={**form, "csrf": csrf_of(page.text)})
    assert done.status_code == 200 and 'id="handoff-done"' in done.text and "shy refuses" in done.text
