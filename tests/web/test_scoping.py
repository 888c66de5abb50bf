"""A creator sees only what concerns their own works: jobs, and lineage nodes ("a private work")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge import catalog
from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform
from tests.factories import make_work, png_bytes


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "t"),
                "accept": "application/json"}


def test_a_creator_sees_only_jobs_about_their_own_works(client: TestClient, platform: Platform) -> None:
    mei, bo, admin = _bearer(platform, "mei"), _bearer(platform, "bo"), _bearer(platform, "admin")
    with platform.db.write() as conn:
        work_id = make_work(conn, get_user_by_name(conn, "mei"), title="秘密作品").id
    upload = client.post(f"/api/v1/works/{work_id}/assets", headers=mei,
                         files={"file": ("secret-plan.png", png_bytes(), "image/png")})
    assert upload.status_code == 201
    theirs = client.get("/api/v1/jobs", headers=mei).json()
    assert theirs and all(j["params"]["work_id"] == work_id for j in theirs)
    assert client.get("/api/v1/jobs", headers=bo).json() == []
    assert len(client.get("/api/v1/jobs", headers=admin).json()) == len(theirs)
    job_id = theirs[0]["id"]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=mei).status_code == 200
    other, missing = client.get(f"/api/v1/jobs/{job_id}", headers=bo), client.get("/api/v1/jobs/j-missing", headers=bo)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == missing.json()["error"] == "JobNotFound"
    page = client.get("/studio/jobs", headers={"authorization": bo["authorization"], "accept": "text/html"})
    assert page.status_code == 200 and work_id not in page.text and job_id not in page.text


def test_lineage_shows_others_private_works_as_a_private_work(client: TestClient, platform: Platform) -> None:
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        source = make_work(conn, get_user_by_name(conn, "mei"), title="梅的秘密原作")
        derived = make_work(conn, get_user_by_name(conn, "bo"), title="Bo's remix")
        catalog.add_derivation(conn, admin, source.id, derived.id, "remix")
    bo = _bearer(platform, "bo")
    html = {"authorization": bo["authorization"], "accept": "text/html"}
    for path in (f"/studio/works/{derived.id}", f"/studio/works/{derived.id}/lineage"):
        page = client.get(path, headers=html)
        assert page.status_code == 200
        assert "梅的秘密原作" not in page.text and source.id not in page.text, path
        assert "a private work" in page.text and "Bo&#39;s remix" in page.text, path
    data = client.get(f"/api/v1/works/{derived.id}/lineage", headers=bo).json()
    assert source.id not in str(data)
    [hidden] = data["ancestors"]
    assert data["nodes"][hidden]["private"] is True and data["nodes"][hidden]["title"] == {}
    mei = client.get(f"/api/v1/works/{source.id}/lineage", headers=_bearer(platform, "mei")).json()
    assert derived.id not in str(mei) and len(mei["descendants"]) == 1
    admin_view = client.get(f"/api/v1/works/{derived.id}/lineage", headers=_bearer(platform, "admin")).json()
    assert admin_view["ancestors"] == [source.id]
