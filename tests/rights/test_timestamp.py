from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from culturebridge.errors import TimestampFailed, VerificationFailed
from culturebridge.platform import Platform
from culturebridge.rights.bundle import build_bundle, verify_bundle
from culturebridge.rights.log import TransparencyLog
from culturebridge.rights.registry import register_work, work_bundle
from culturebridge.rights.timestamp import TimestampAuthority, verify_timestamp
from tests.factories import make_user


def _cert(subject: str, key: rsa.RSAPrivateKey, issuer: x509.Name | None, issuer_key: rsa.RSAPrivateKey, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")])
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


class _Tsa:
    def __init__(self, url: str, ca: x509.Certificate) -> None:
        self.url, self.ca = url, ca


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Tsa]:
    """A real RFC 3161 TSA: `openssl ts -reply` behind an HTTP server on 127.0.0.1."""
    d = tmp_path_factory.mktemp("tsa")
    ca_key, tsa_key = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    ca = _cert("Test TSA Root", ca_key, None, ca_key, ca=True)
    leaf = _cert("Test TSA", tsa_key, ca.subject, ca_key, ca=False)
    (d / "tsa.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (d / "tsa.key").write_bytes(tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(f"""
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = {d}/serial
signer_cert = {d}/tsa.pem
signer_key = {d}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
""")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(d / "tsa.cnf"), "-queryfile", str(d / "q.tsq"),
                     "-out", str(d / "r.tsr")], check=False, capture_output=True, timeout=30)
                reply = (d / "r.tsr").read_bytes() if done.returncode == 0 else b""
            self.send_response(200 if reply else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Tsa(f"http://127.0.0.1:{server.server_address[1]}/", ca)
    finally:
        server.shutdown()
        server.server_close()


def test_token_from_local_tsa_verifies_and_anchors(tsa: _Tsa) -> None:
    token = TimestampAuthority(tsa.url).timestamp(b"checkpoint text\n")
    info = verify_timestamp(token, b"checkpoint text\n", [tsa.ca])
    assert info.anchored and "Test TSA" in info.tsa_subject
    assert abs((info.time - dt.datetime.now(dt.UTC)).total_seconds()) < 120
    with pytest.raises(VerificationFailed, match="timestamp"):
        verify_timestamp(token, b"other text\n")
    other_ca_key = rsa.generate_private_key(65537, 2048)
    with pytest.raises(VerificationFailed, match="not trusted"):
        verify_timestamp(token, b"checkpoint text\n", [_cert("Other", other_ca_key, None, other_ca_key, ca=True)])
    with pytest.raises(VerificationFailed):
        verify_timestamp(token[:-10], b"checkpoint text\n")


def test_unreachable_tsa_is_an_external_service_error() -> None:
    with pytest.raises(TimestampFailed):
        TimestampAuthority("http://127.0.0.1:9/", timeout=2).timestamp(b"x")


def test_checkpoints_get_tokens_and_bundles_carry_them(sqlite_log: TransparencyLog, tsa: _Tsa) -> None:
    log = TransparencyLog(sqlite_log.db, sqlite_log.signer, TimestampAuthority(tsa.url))
    from tests.rights.test_bundle import _populated

    index = _populated(log)
    stored = log.sign_checkpoint()
    assert stored.timestamp_token is not None
    bundle = build_bundle(log, index)
    assert base64.b64decode(bundle["timestamp"]) == stored.timestamp_token
    report = verify_bundle(json.dumps(bundle), trusted_tsa_certificates=[tsa.ca])
    assert report.ok and report.timestamp is not None
    assert {c.name: c.status for c in report.checks}["timestamp"] == "pass"
    _assert_every_flip_fails(bundle, stride=5)


@pytest.mark.slow
def test_every_single_byte_of_the_token_is_covered(sqlite_log: TransparencyLog, tsa: _Tsa) -> None:
    log = TransparencyLog(sqlite_log.db, sqlite_log.signer, TimestampAuthority(tsa.url))
    from tests.rights.test_bundle import _populated

    _assert_every_flip_fails(build_bundle(log, _populated(log)), stride=1)


def _assert_every_flip_fails(bundle: dict[str, object], stride: int) -> None:
    assert isinstance(bundle["timestamp"], str)
    token = base64.b64decode(bundle["timestamp"])
    survivors = []
    for pos in range(0, len(token), stride):  # a flipped byte anywhere in the token is caught
        raw = bytearray(token)
        raw[pos] ^= 1
        failed = verify_bundle({**bundle, "timestamp": base64.b64encode(bytes(raw)).decode()}).failed
        if failed is None:
            survivors.append(pos)
        else:
            assert failed.name == "timestamp"
    assert survivors == [], " ".join(map(str, survivors))


def test_registering_with_a_tsa_configured_timestamps_the_certificate(
    rights_platform: Platform, tsa: _Tsa, tmp_path: Path
) -> None:
    platform = replace(rights_platform, settings=rights_platform.settings.with_overrides(tsa_url=tsa.url))
    from tests.rights.test_registry import _work_with_files

    with platform.db.write() as conn:
        mei = make_user(conn, "mei")
    work, files = _work_with_files(platform, mei, "剪纸", (11,), tmp_path)
    register_work(platform, mei, work.id)
    bundle = work_bundle(platform, work.id)
    assert "timestamp" in bundle
    report = verify_bundle(bundle, files, trusted_tsa_certificates=[tsa.ca])
    assert report.ok and {c.name: c.status for c in report.checks}["timestamp"] == "pass"
    from culturebridge.web.rights import rights_panel

    with platform.db.read() as conn:
        panel = rights_panel(conn, work, mei)
    assert panel is not None and "UTC" in panel.values["cert"]["timestamp"]
