from __future__ import annotations

import base64
import io
import json
from typing import Any

from fastapi.testclient import TestClient

from culturebridge import catalog
from culturebridge.accounts import get_user_by_name
from culturebridge.platform import Platform
from culturebridge.rights import verify_bundle
from culturebridge.web import create_app
from tests.factories import make_work, png_bytes
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _work(platform: Platform, owner: str, title: str, seed: int) -> tuple[str, bytes]:
    data = png_bytes(seed=seed)
    with platform.db.write() as conn:
        user = get_user_by_name(conn, owner)
        work = make_work(conn, user, title)
        catalog.add_asset(conn, platform.media, user, work.id, io.BytesIO(data), f"{seed}.png", platform.limits)
    return work.id, data


def _register(client: TestClient, work_id: str, csrf: str, licence: str = "CC-BY-4.0") -> Any:
    return client.post(
        f"/studio/works/{work_id}/rights/register",
        data={"licence": licence, "terms": "", "csrf": csrf},
        follow_redirects=False,
    )


def test_work_panel_registers_and_serves_the_bundle(client: TestClient, platform: Platform) -> None:
    work_id, _image = _work(platform, "mei", "剪纸", 1)
    csrf = login(client, "mei")
    page = client.get(f"/studio/works/{work_id}")
    assert 'id="rights-register"' in page.text and 'id="rights-entry"' not in page.text

    assert _register(client, work_id, "wrong").status_code == 403  # CSRF
    response = _register(client, work_id, csrf)
    assert response.status_code == 303 and response.headers["location"].endswith("#rights")
    page = client.get(f"/studio/works/{work_id}")
    assert 'id="rights-entry">0<' in page.text and "CC-BY-4.0" in page.text

    download = client.get(f"/studio/works/{work_id}/rights/bundle.json")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    report = verify_bundle(download.content)
    assert report.ok and report.claim is not None and report.claim.work_id == work_id
    api = client.get(f"/api/v1/works/{work_id}/rights", headers={"accept": "application/json"})
    assert api.status_code == 200 and api.json()["leaf_index"] == 0

    # Another creator neither sees nor registers the work; a reviewer sees but cannot register.
    other = TestClient(create_app(platform), headers={"accept": "text/html"})
    bo_csrf = login(other, "bo")
    assert _register(other, work_id, bo_csrf).status_code == 404
    assert other.get(f"/studio/works/{work_id}/rights/bundle.json").status_code == 404
    rita = TestClient(create_app(platform), headers={"accept": "text/html"})
    rita_csrf = login(rita, "rita")
    assert 'id="rights-register"' not in rita.get(f"/studio/works/{work_id}").text
    assert _register(rita, work_id, rita_csrf, "CC0-1.0").status_code == 403


def test_verify_page_is_public_and_names_the_failed_check(client: TestClient, platform: Platform) -> None:
    first, _ = _work(platform, "mei", "剪纸", 2)
    second, image = _work(platform, "mei", "皮影", 3)
    csrf = login(client, "mei")
    assert _register(client, first, csrf).status_code == 303
    assert _register(client, second, csrf).status_code == 303
    bundle = client.get(f"/studio/works/{second}/rights/bundle.json").json()
    assert bundle["tree_size"] == 2 and len(bundle["inclusion_proof"]) == 1

    anon = TestClient(create_app(platform), headers={"accept": "text/html"})
    page = anon.get("/verify")
    assert page.status_code == 200 and 'id="verify-form"' in page.text
    token = csrf_of(page.text)

    def post(files: list[tuple[str, tuple[str, bytes, str]]]) -> Any:
        return anon.post("/verify", data={"csrf": token}, files=files)

    raw = json.dumps(bundle).encode()
    good = post([("bundle", ("b.json", raw, "application/json")), ("media", ("p.png", image, "image/png"))])
    assert good.status_code == 200 and 'id="verify-valid"' in good.text
    # A browser sends an empty file input as a nameless part: it means "no file", not an error.
    no_media = post([("bundle", ("b.json", raw, "application/json")), ("media", ("", b"", "application/octet-stream"))])
    assert no_media.status_code == 200 and 'id="verify-valid"' in no_media.text

    proof = bytearray(base64.b64decode(bundle["inclusion_proof"][0]))
    proof[5] ^= 1
    flipped = dict(bundle, inclusion_proof=[base64.b64encode(bytes(proof)).decode()])
    bad = post([("bundle", ("b.json", json.dumps(flipped).encode(), "application/json"))])
    assert bad.status_code == 422 and 'id="verify-invalid"' in bad.text
    assert "<code>inclusion</code>" in bad.text

    note = bundle["checkpoint"]
    forged = dict(bundle, checkpoint=note.replace("\n2\n", "\n3\n", 1))
    bad = post([("bundle", ("b.json", json.dumps(forged).encode(), "application/json"))])
    assert "<code>checkpoint-signature</code>" in bad.text
    bad = post([("bundle", ("b.json", raw[:100], "application/json"))])
    assert "<code>parse</code>" in bad.text
    wrong_media = post([("bundle", ("b.json", raw, "application/json")), ("media", ("x.png", png_bytes(seed=77), "image/png"))])
    assert "<code>media-hash</code>" in wrong_media.text

    # A media file alone finds its claim; an unknown one says so.
    found = post([("media", ("p.png", image, "image/png"))])
    assert found.status_code == 200 and 'data-entry="1"' in found.text
    entry = anon.get("/verify/entries/1/bundle.json")
    assert entry.status_code == 200 and verify_bundle(entry.content).ok
    missing = post([("media", ("x.png", png_bytes(seed=78), "image/png"))])
    assert 'id="verify-no-claim"' in missing.text
    assert post([]).status_code == 422  # nothing chosen: a clear error
    api = anon.post("/api/v1/verify", files=[("bundle", ("b.json", json.dumps(flipped).encode(), "application/json"))])
    assert api.status_code == 422 and api.json()["report"]["failed_check"] == "inclusion"  # as the form


def test_log_endpoints_are_public(client: TestClient, platform: Platform) -> None:
    anon = TestClient(create_app(platform))
    assert anon.get("/log/checkpoint").status_code == 404  # nothing signed yet: a clear 404
    for seed, title in ((4, "年画"), (5, "昆曲")):
        work_id, _ = _work(platform, "mei", title, seed)
        csrf = login(client, "mei")
        assert _register(client, work_id, csrf).status_code == 303
    checkpoint = anon.get("/log/checkpoint")
    assert checkpoint.status_code == 200 and checkpoint.text.startswith(f"{platform.settings.log_origin}\n2\n")
    tile = anon.get("/log/tile/0/000.p/2")
    assert tile.status_code == 200 and len(tile.content) == 64
    entries = anon.get("/log/tile/entries/000.p/2")
    assert entries.status_code == 200 and b"culturebridge.rights-claim/v1" in entries.content
    consistency = anon.get("/log/consistency", params={"from": 1, "to": 2})
    assert consistency.status_code == 200 and len(consistency.json()["proof"]) == 1
    assert anon.get("/log/consistency", params={"from": 1, "to": 9}).status_code == 422
