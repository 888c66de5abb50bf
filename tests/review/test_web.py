"""The review desk in the browser (TestClient): submit, claim, decide, appeal, audit, stats."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from culturebridge.accounts import create_user, get_user_by_name
from culturebridge.jobs import run_one
from culturebridge.pipeline import job_handlers
from culturebridge.platform import Platform
from culturebridge.review import Models
from culturebridge.web import create_app
from tests.review.desk_helpers import adaptation, add_demo_ip
from tests.web.conftest import PASSWORD, client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _as(platform: Platform, username: str) -> tuple[TestClient, str]:
    c = TestClient(create_app(platform), headers={"accept": "text/html"})
    return c, login(c, username)


def _claim(c: TestClient, csrf: str) -> str:
    response = c.post("/review/claim", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_desk_flow_claim_decide_appeal_to_another_reviewer(platform: Platform, models: Models) -> None:
    with platform.db.write() as conn:
        add_demo_ip(conn, get_user_by_name(conn, "admin"))
        create_user(conn, "ria", PASSWORD, "reviewer")
        # With the models on, the learned signal rejects desk_helpers.REVIEW (a pistol);
        # a bottle of cola it leaves at the desk.
        work = adaptation(conn, get_user_by_name(conn, "mei"), "孙悟空在花果山上喝了一瓶可乐。",
                          en="Monkey drinks a bottle of cola on Flower-Fruit Mountain.")
    mei, mei_csrf = _as(platform, "mei")
    assert mei.post(f"/studio/works/{work.id}/review/submit", data={"csrf": mei_csrf},
                    follow_redirects=False).status_code == 303
    job = run_one(platform.db, job_handlers(platform))
    assert job is not None and job.kind == "review-work"
    page = mei.get(f"/studio/works/{work.id}").text
    assert 'id="review"' in page and "Needs human review" in page
    assert mei.get("/review").status_code == 403

    rita, rita_csrf = _as(platform, "rita")
    ria, ria_csrf = _as(platform, "ria")
    queue = rita.get("/review")
    assert queue.status_code == 200 and "claim-next" in queue.text
    where = _claim(rita, rita_csrf)
    assert where.startswith("/review/items/")
    item_id = where.rsplit("/", 1)[1]
    item_page = rita.get(where).text
    assert "<mark" in item_page and "可乐</mark>" in item_page and 'id="decide-form"' in item_page
    assert _claim(ria, ria_csrf) == "/review?empty=1"  # the only item is rita's
    assert "decide-form" not in ria.get(where).text

    assert rita.post(f"{where}/decide", data={"decision": "reject", "clause": "nrta-3"}).status_code == 403  # no CSRF
    response = rita.post(f"{where}/decide", data={"decision": "reject", "clause": "nrta-3", "note": "cola in Tang times",
                                                  "csrf": rita_csrf}, follow_redirects=False)
    assert response.status_code == 303

    page = mei.get(f"/studio/works/{work.id}").text
    assert 'id="review-appeal"' in page
    response = mei.post(f"/studio/works/{work.id}/review/appeal", follow_redirects=False,
                        data={"csrf": mei_csrf, "item_id": item_id, "reason": "The cola is a declared dream sequence."})
    assert response.status_code == 303
    assert "review-appeal" not in mei.get(f"/studio/works/{work.id}").text  # one appeal only

    assert _claim(rita, rita_csrf) == "/review?empty=1"  # the appeal never goes back to rita
    assert _claim(ria, ria_csrf) == where
    assert ria.post(f"{where}/decide", data={"decision": "pass", "csrf": ria_csrf},
                    follow_redirects=False).status_code == 303

    api = mei.get(f"/api/v1/works/{work.id}/review").json()
    assert api["item"]["decision"] == "pass" and api["appeal"]["appealed_decision"] == "reject"
    stats = rita.get("/review/stats").text
    assert "κ =" in stats and "1 double-reviewed" in stats
    audit_page = rita.get("/review/audit").text
    assert audit_page.count("human-decision") == 2 and "appealed" in audit_page

    rows = list(csv.DictReader(io.StringIO(rita.get("/review/export/audit.csv").text)))
    assert [r["action"] for r in reversed(rows)] == [
        "submitted", "automated-decision", "queued", "claimed", "human-decision", "appealed", "claimed", "human-decision"]
    items = json.loads(rita.get("/review/export/items.json").text)
    assert [(i["id"], i["decision"], i["automated_decision"]) for i in items] == [(item_id, "pass", "review")]
    assert rita.get("/review/export/secrets.csv").status_code == 422
    for c in (mei, rita, ria):
        c.close()
