from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import MalformedNote, SignatureInvalid
from culturebridge.rights.checkpoint import (
    Checkpoint,
    key_hash,
    parse_checkpoint,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)
from culturebridge.rights.keys import public_key_bytes

ROOT = hashlib.sha256(b"root").digest()


def _signed() -> tuple[str, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    note = sign_checkpoint(Checkpoint("example.org/log", 42, ROOT), key)
    return note.to_text(), key


def test_format_follows_c2sp() -> None:
    text, key = _signed()
    lines = text.split("\n")
    assert lines[:4] == ["example.org/log", "42", base64.b64encode(ROOT).decode(), ""]
    assert lines[4].startswith("\u2014 example.org/log ")
    assert text.endswith("\n")
    blob = base64.b64decode(lines[4].split(" ")[2])
    raw = public_key_bytes(key)
    assert blob[:4] == hashlib.sha256(b"example.org/log\n\x01" + raw).digest()[:4]
    key.public_key().verify(blob[4:], "\n".join(lines[:3]).encode() + b"\n")
    name, hexhash, b64 = verifier_key("example.org/log", key.public_key()).split("+", 2)
    assert (name, bytes.fromhex(hexhash), base64.b64decode(b64)) == ("example.org/log", blob[:4], b"\x01" + raw)


def test_parse_and_verify_round_trip() -> None:
    text, key = _signed()
    note = parse_checkpoint(text)
    assert note.to_text() == text
    assert verify_checkpoint(note, key.public_key()) == Checkpoint("example.org/log", 42, ROOT)


def test_extension_lines_and_cosignatures_are_kept() -> None:
    key, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = Checkpoint("o", 1, ROOT, ("ext one",))
    ours = sign_checkpoint(cp, key)
    theirs = sign_checkpoint(cp, witness, "witness.example")
    text = ours.to_text() + theirs.to_text().split("\n\n")[1]
    note = parse_checkpoint(text)
    assert verify_checkpoint(note, key.public_key()) == cp
    assert verify_checkpoint(note, witness.public_key(), "witness.example") == cp


def test_wrong_key_and_forged_body_fail() -> None:
    text, key = _signed()
    with pytest.raises(SignatureInvalid, match="no signature"):
        verify_checkpoint(parse_checkpoint(text), Ed25519PrivateKey.generate().public_key())
    forged = text.replace("\n42\n", "\n43\n")
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify_checkpoint(parse_checkpoint(forged), key.public_key())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("\n42\n", "\n042\n"),
        lambda t: t.replace("\n42\n", "\n-4\n"),
        lambda t: t.replace("\n\n", "\n"),
        lambda t: t[:-1],
        lambda t: t.replace("\u2014", "-"),
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.split("\n\n")[0] + "\n\n",
        lambda t: t.replace(base64.b64encode(ROOT).decode(), "!!!"),
        lambda t: t.replace(base64.b64encode(ROOT).decode(), base64.b64encode(ROOT[:31]).decode()),
        lambda t: "\n" + t,
        lambda t: t.replace("example.org/log\n42", "example.org/log\n42\n"),
    ],
)
def test_malformed_notes_are_rejected(mutate: object) -> None:
    text, _ = _signed()
    assert callable(mutate)
    with pytest.raises(MalformedNote):
        parse_checkpoint(mutate(text))


def test_non_utf8_is_rejected() -> None:
    with pytest.raises(MalformedNote, match="UTF-8"):
        parse_checkpoint(b"\xff\xfe\n1\n\n")


def test_key_hash_is_four_bytes() -> None:
    assert len(key_hash("a", Ed25519PrivateKey.generate().public_key())) == 4
