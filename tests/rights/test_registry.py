from __future__ import annotations

import base64
import io
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from culturebridge import catalog
from culturebridge.accounts import User, get_user
from culturebridge.catalog import Work
from culturebridge.errors import (
    AlreadyRegistered,
    InvalidInput,
    KeyFileError,
    SourceNotRegistered,
    TimestampFailed,
    WorkNotFound,
    WorkNotRegistered,
)
from culturebridge.pipeline import statuses
from culturebridge.platform import Platform
from culturebridge.rights import (
    certificate,
    certificates_for_sha256,
    checkpoint_now,
    identity_key_path,
    register_work,
    require_certificate,
    verify_bundle,
    work_bundle,
)
from culturebridge.rights.claims import Licence, signed_claim_from_leaf
from culturebridge.rights.keys import load_private_key, public_key_bytes
from culturebridge.rights.merkle import leaf_hash
from culturebridge.rights.platform import log_key_path, open_log
from tests.factories import make_user, make_work, png_bytes


def _work_with_files(platform: Platform, owner: User, title: str, seeds: tuple[int, ...], tmp: Path) -> tuple[Work, list[Path]]:
    files = []
    with platform.db.write() as conn:
        work = make_work(conn, owner, title)
        for seed in seeds:
            data = png_bytes(seed=seed)
            catalog.add_asset(conn, platform.media, owner, work.id, io.BytesIO(data), f"{seed}.png", platform.limits)
            path = tmp / f"{title}-{seed}.png"
            path.write_bytes(data)
            files.append(path)
    return work, files


def _rights_state(platform: Platform, work_id: str) -> tuple[str, str | None]:
    with platform.db.read() as conn:
        status = next(s for s in statuses(conn, work_id) if s.stage == "rights")
    return status.state, status.detail


def test_register_logs_a_signed_claim_and_records_the_certificate(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, files = _work_with_files(platform, mei, "剪纸", (1, 2), tmp_path)

    cert = register_work(platform, mei, work.id, Licence("CC-BY-4.0"))

    assert (cert.leaf_index, cert.tree_size, cert.licence.id) == (0, 1, "CC-BY-4.0")
    assert cert.checkpoint is not None and cert.checkpoint.startswith("culturebridge.test/rights\n1\n")
    assert _rights_state(platform, work.id)[0] == "done"
    # The owner's identity key was made on first use: file 0600, public half on the account.
    key_file = identity_key_path(platform.settings, mei.id)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with platform.db.read() as conn:
        recorded = get_user(conn, mei.id).identity_public_key
    assert recorded == base64.b64encode(public_key_bytes(load_private_key(key_file))).decode()
    # The logged leaf is exactly the claim over the catalog's files, signed by that key.
    log = open_log(platform.db, platform.settings)
    signed = signed_claim_from_leaf(log.entry(0))
    assert leaf_hash(log.entry(0)) == cert.leaf_hash
    assert signed.verify().work_id == work.id
    assert base64.b64encode(signed.public_key).decode() == recorded
    assert [a.sha256 for a in signed.claim.assets] == [a.sha256 for a in _assets(platform, work.id)]
    assert signed.claim.rights_holder == work.rights_holder
    # The bundle built from the database verifies offline, with the files, against the pinned log key.
    bundle = work_bundle(platform, work.id)
    log_key = load_private_key(log_key_path(platform.settings)).public_key()
    report = verify_bundle(bundle, files, trusted_log_keys=[log_key])
    assert report.ok, report.to_json()
    assert [c.status for c in report.checks if c.name == "media-hash"] == ["pass"]
    # Every claimed file leads back to the certificate.
    with platform.db.read() as conn:
        assert [c.leaf_index for c in certificates_for_sha256(conn, _assets(platform, work.id)[0].sha256)] == [0]
        assert certificates_for_sha256(conn, "0" * 64) == []


def _assets(platform: Platform, work_id: str) -> list[catalog.Asset]:
    with platform.db.read() as conn:
        return catalog.list_assets(conn, work_id)


def test_a_derivative_claim_points_at_its_source_claim(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
        bo = make_user(conn, "bo")
    source, _ = _work_with_files(platform, mei, "白蛇传", (3,), tmp_path)
    derived, files = _work_with_files(platform, bo, "White Snake", (4,), tmp_path)
    with platform.db.write() as conn:  # across owners, an admin records the licensed derivation
        catalog.add_derivation(conn, make_user(conn, "ada", "admin"), source.id, derived.id, "translation")

    with pytest.raises(SourceNotRegistered, match=source.id):
        register_work(platform, bo, derived.id)
    with platform.db.read() as conn:
        assert certificate(conn, derived.id) is None  # nothing was logged or recorded

    source_cert = register_work(platform, mei, source.id, Licence("CC-BY-SA-4.0"))
    derived_cert = register_work(platform, bo, derived.id, Licence("CC-BY-SA-4.0"))

    claim = signed_claim_from_leaf(open_log(platform.db, platform.settings).entry(derived_cert.leaf_index)).claim
    assert claim.source == source_cert.source_ref()
    bundle = work_bundle(platform, derived.id)
    assert bundle["source_bundle"]["leaf_index"] == source_cert.leaf_index
    report = verify_bundle(bundle, files)
    assert report.ok, report.to_json()
    assert next(c for c in report.checks if c.name == "source").status == "pass"
    # Two creators, two identity keys.
    assert identity_key_path(platform.settings, mei.id).read_bytes() != identity_key_path(platform.settings, bo.id).read_bytes()


def test_reregistering_needs_a_change_and_keeps_history(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, _ = _work_with_files(platform, mei, "皮影", (5,), tmp_path)
    first = register_work(platform, mei, work.id, Licence("CC-BY-NC-4.0"))
    with pytest.raises(AlreadyRegistered):
        register_work(platform, mei, work.id)  # same files, same (kept) licence
    second = register_work(platform, mei, work.id, Licence("custom", "Screening in schools only."))
    assert second.leaf_index == first.leaf_index + 1
    assert second.licence == Licence("custom", "Screening in schools only.")
    with platform.db.read() as conn:
        assert require_certificate(conn, work.id).leaf_index == second.leaf_index
        sha = catalog.list_assets(conn, work.id)[0].sha256
        assert [c.leaf_index for c in certificates_for_sha256(conn, sha)] == [second.leaf_index, first.leaf_index]


def test_who_may_register_and_what(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
        bo = make_user(conn, "bo")
        rita = make_user(conn, "rita", "reviewer")
        admin = make_user(conn, "root", "admin")
        empty = make_work(conn, mei, "空")
    work, _ = _work_with_files(platform, mei, "昆曲", (6,), tmp_path)
    with pytest.raises(WorkNotFound):
        register_work(platform, bo, work.id)
    with pytest.raises(Exception, match="may not change"):
        register_work(platform, rita, work.id)
    with pytest.raises(InvalidInput, match="no files"):
        register_work(platform, mei, empty.id)
    with pytest.raises(WorkNotRegistered):
        work_bundle(platform, work.id)
    # An admin registers on the owner's behalf: the claim is signed with the owner's key.
    cert = register_work(platform, admin, work.id)
    assert (cert.signer_id, cert.registered_by, cert.licence.id) == (mei.id, admin.id, "all-rights-reserved")
    assert not identity_key_path(platform.settings, admin.id).exists()


def test_a_replaced_identity_key_file_is_refused(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, _ = _work_with_files(platform, mei, "年画", (7,), tmp_path)
    register_work(platform, mei, work.id)
    path = identity_key_path(platform.settings, mei.id)
    path.unlink()
    with pytest.raises(KeyFileError, match="missing"):
        register_work(platform, mei, work.id, Licence("CC0-1.0"))
    from culturebridge.rights.keys import create_identity_key

    create_identity_key(path)
    with pytest.raises(KeyFileError, match="does not match"):
        register_work(platform, mei, work.id, Licence("CC0-1.0"))


def test_a_failed_checkpoint_leaves_the_claim_logged_and_checkpoint_recovers(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, _ = _work_with_files(platform, mei, "剪纸", (8,), tmp_path)
    # A TSA that refuses connections: the checkpoint is signed but cannot be timestamped.
    broken = replace(platform, settings=platform.settings.with_overrides(tsa_url="http://127.0.0.1:9/tsa"))
    with pytest.raises(TimestampFailed):
        register_work(broken, mei, work.id)
    state, detail = _rights_state(platform, work.id)
    assert state == "failed" and detail is not None and "entry 0" in detail
    with platform.db.read() as conn:
        assert require_certificate(conn, work.id).tree_size is None
    checkpoint_now(platform)  # TSA switched off again: the pending certificate is completed
    with platform.db.read() as conn:
        assert require_certificate(conn, work.id).tree_size == 1
    assert _rights_state(platform, work.id)[0] == "done"


def test_stored_fingerprints_go_into_the_claim(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, files = _work_with_files(platform, mei, "剪纸", (9, 10), tmp_path)
    first = _assets(platform, work.id)[0].sha256

    def prints(_conn: object, assets: object) -> dict[str, dict[str, str]]:
        return {first: {"pdq": "ab" * 32}}

    cert = register_work(platform, mei, work.id, fingerprints=prints)
    claim = signed_claim_from_leaf(open_log(platform.db, platform.settings).entry(cert.leaf_index)).claim
    assert {a.sha256: dict(a.fingerprints) for a in claim.assets}[first] == {"pdq": "ab" * 32}
    assert verify_bundle(work_bundle(platform, work.id), files).ok


def test_concurrent_registrations_are_sequenced_without_forking(rights_platform: Platform, tmp_path: Path) -> None:
    import threading

    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    works = [_work_with_files(platform, mei, f"作品{i}", (20 + i,), tmp_path)[0].id for i in range(6)]
    errors: list[BaseException] = []

    def register(ids: list[str]) -> None:
        try:
            for work_id in ids:
                register_work(platform, mei, work_id)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(works[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with platform.db.read() as conn:
        indices = sorted(require_certificate(conn, w).leaf_index for w in works)
    assert indices == list(range(6))
    log = open_log(platform.db, platform.settings)
    assert log.head()[0] == 6 and log.latest_checkpoint() is not None
    for work_id in works:
        assert verify_bundle(work_bundle(platform, work_id)).ok


def test_a_claim_too_large_for_one_log_entry_is_refused_before_logging(rights_platform: Platform, tmp_path: Path) -> None:
    platform = rights_platform
    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, _ = _work_with_files(platform, mei, "长卷", (30,), tmp_path)
    sha = _assets(platform, work.id)[0].sha256
    with pytest.raises(InvalidInput, match="at most 65,535"):
        register_work(platform, mei, work.id, fingerprints=lambda _c, _a: {sha: {"huge": "f" * 70_000}})
    assert open_log(platform.db, platform.settings).head()[0] == 0
    with platform.db.read() as conn:
        assert certificate(conn, work.id) is None
