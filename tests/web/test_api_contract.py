"""The JSON API's contract: one error body, documented error statuses, typed responses."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform

# 2xx answers documented as a free-form JSON object: documents whose shape belongs to the
# stage that computes them (a canon card, the review desk's figures, insight reports).
OPEN_OBJECTS = {
    "GET /api/v1/ips/{name}", "POST /api/v1/ips", "PUT /api/v1/ips/{name}",
    "GET /api/v1/review/stats", "GET /api/v1/insight/index", "GET /api/v1/insight/works/{work_id}",
    "GET /api/v1/insight/experiments/{experiment_id}",
}


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "t")}


def _operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_an_unknown_api_path_answers_the_error_body(client: TestClient) -> None:
    # Before: Starlette's {"detail": "Not Found"}, a shape no API operation documents.
    response = client.get("/api/v1/works/a/b/c/d", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound" and response.json()["message"]


def test_non_api_paths_keep_starlettes_answer(client: TestClient) -> None:
    response = client.get("/no/such/page", headers={"accept": "application/json"})
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_request_validation_answers_the_error_body_with_its_details(client: TestClient, platform: Platform) -> None:
    # Before: FastAPI's {"detail": [...]} beside the project's {"error", "message"} on the same status.
    response = client.get("/api/v1/works?limit=0", headers=_bearer(platform, "mei"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InvalidInput" and body["message"].startswith("query.limit:")
    assert body["detail"][0]["loc"] == ["query", "limit"]


def test_a_401_names_the_bearer_scheme(client: TestClient) -> None:
    # RFC 9110 §11.6.1: a 401 carries WWW-Authenticate.
    response = client.get("/api/v1/me", headers={"accept": "application/json"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "AuthenticationRequired"


def test_every_api_operation_documents_typed_answers_and_its_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operations = _operations(spec)
    assert len(operations) >= 45
    for label, op in operations:
        responses = op["responses"]
        errors = {status for status in responses if status[0] in "45"}
        assert errors, f"{label} documents no error status"
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            refs = [schema.get("$ref")] + [s.get("$ref") for s in schema.get("anyOf", [])]
            assert "#/components/schemas/ErrorBody" in refs, f"{label} {status} is not the error body"
        for status in [s for s in responses if s.startswith("2")]:
            content = responses[status].get("content", {})
            if status == "204":
                assert not content, label
                continue
            schema = next(iter(content.values()))["schema"]
            open_object = schema.get("type") == "object" and "properties" not in schema and "$ref" not in schema
            assert not open_object or label in OPEN_OBJECTS, f"{label} {status} has no typed schema"
        if label.startswith(("GET /api/v1", "POST /api/v1", "PUT /api/v1", "DELETE /api/v1")) and label not in {
            "GET /api/v1/feed", "POST /api/v1/events", "POST /api/v1/insight/comments", "POST /api/v1/verify",
            "POST /api/v1/invites/accept", "POST /api/v1/password-resets/use",  # anonymous by design
        }:
            assert "401" in responses, f"{label} answers 401 to anonymous callers but does not say so"


def test_bodies_parsed_by_hand_are_documented(client: TestClient) -> None:
    # Before: these read the raw body, so the document said they took none.
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/events", "/api/v1/insight/events", "/api/v1/insight/comments"):
        assert "application/json" in paths[path]["post"]["requestBody"]["content"], path
    assert "multipart/form-data" in paths["/api/v1/verify"]["post"]["requestBody"]["content"]
    assert "/verify" not in paths  # the HTML page and its form are not JSON operations
