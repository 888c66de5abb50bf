"""Finding 1: a declared derivation cannot name someone else's work, nor launder a copy into "licensed"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.catalog import count_works
from culturebridge.platform import Platform
from tests.factories import make_work


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "t"),
                "accept": "application/json"}


def _count(platform: Platform) -> int:
    with platform.db.read() as conn:
        return count_works(conn)


def test_deriving_from_a_work_you_cannot_view_answers_as_if_it_were_missing(
    client: TestClient, platform: Platform
) -> None:
    with platform.db.write() as conn:
        theirs = make_work(conn, get_user_by_name(conn, "mei"), title="梅的原作").id
    bo = _bearer(platform, "bo")
    body = {"kind": "image", "original_language": "zh", "titles": {"zh": "拷贝"}, "derivation": "remix"}
    before = _count(platform)
    other = client.post("/api/v1/works", headers=bo, json={**body, "derived_from": theirs})
    missing = client.post("/api/v1/works", headers=bo, json={**body, "derived_from": "w-0000000000000000"})
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == missing.json()["error"] == "WorkNotFound"
    assert _count(platform) == before  # nothing half-created
    own = client.post("/api/v1/works", headers=_bearer(platform, "mei"), json={**body, "derived_from": theirs})
    assert own.status_code == 201
