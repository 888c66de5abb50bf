"""C2SP tlog-checkpoint signed notes: format, sign with Ed25519, strict parse and verify.

A checkpoint (c2sp.org/tlog-checkpoint) is the body of a signed note (c2sp.org/signed-note):

    <origin>\\n<decimal tree size>\\n<base64 root hash>\\n[extension lines\\n]
    \\n
    — <key name> <base64(4-byte key hash ‖ 64-byte Ed25519 signature)>\\n

The signature covers the body bytes including its final newline. The key hash is the
first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01 naming Ed25519.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from culturebridge.errors import MalformedNote, SignatureInvalid
from culturebridge.rights.keys import public_key_bytes

_ED25519 = b"\x01"  # signed-note signature type identifier for Ed25519
_SIG_PREFIX = "\u2014 "  # em dash and space
_MAX_NOTE = 1 << 20
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    """The signed statement: the tree of `size` leaves under `origin` has root `root_hash`."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The note text that is signed (c2sp.org/tlog-checkpoint)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a signed note."""

    key_name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with its signature lines, as parsed from or formatted into note text."""

    checkpoint: Checkpoint
    signatures: tuple[NoteSignature, ...]

    def to_text(self) -> str:
        """The signed note text."""
        sigs = "".join(
            f"{_SIG_PREFIX}{s.key_name} {base64.b64encode(s.key_hash + s.signature).decode()}\n"
            for s in self.signatures
        )
        return self.checkpoint.body() + "\n" + sigs


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """C2SP signed-note key hash: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key_bytes(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The signed-note verifier key string `<name>+<hex key hash>+<base64(0x01 ‖ key)>`."""
    encoded = base64.b64encode(_ED25519 + public_key_bytes(public_key)).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise MalformedNote(f"key name {name!r} must be non-empty, without spaces or '+'")


def sign_checkpoint(checkpoint: Checkpoint, key: Ed25519PrivateKey, key_name: str | None = None) -> SignedCheckpoint:
    """Sign a checkpoint; the key name defaults to the origin, as C2SP logs do."""
    name = checkpoint.origin if key_name is None else key_name
    _check_name(name)
    _check_body(checkpoint)
    sig = key.sign(checkpoint.body().encode())
    return SignedCheckpoint(checkpoint, (NoteSignature(name, key_hash(name, key.public_key()), sig),))


def _check_body(cp: Checkpoint) -> None:
    if not cp.origin or "\n" in cp.origin or cp.origin != cp.origin.strip():
        raise MalformedNote("the origin line must be non-empty without surrounding spaces")
    if cp.size < 0 or len(cp.root_hash) != 32:
        raise MalformedNote("the size must be ≥ 0 and the root hash 32 bytes")
    if any(not e or "\n" in e for e in cp.extensions):
        raise MalformedNote("extension lines must be non-empty single lines")


def _strict_b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise MalformedNote(f"{what} is not base64") from exc
    if base64.b64encode(raw).decode() != text:  # one encoding per value: no stray padding bits
        raise MalformedNote(f"{what} is not canonical base64")
    return raw


def parse_checkpoint(text: str | bytes) -> SignedCheckpoint:
    """Parse signed-note checkpoint text strictly; raise MalformedNote naming the defect."""
    if isinstance(text, bytes):
        if len(text) > _MAX_NOTE:
            raise MalformedNote("the note is larger than 1 MiB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNote("the note is not UTF-8") from exc
    if len(text) > _MAX_NOTE:
        raise MalformedNote("the note is larger than 1 MiB")
    if "\r" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise MalformedNote("the note contains control characters other than newline")
    body, sep, sig_block = text.partition("\n\n")
    if not sep:
        raise MalformedNote("there is no blank line between the body and the signatures")
    body += "\n"
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedNote("the body needs an origin, a tree size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text) or int(size_text) >= 1 << 63:
        raise MalformedNote(f"tree size {size_text!r} is not a decimal number without leading zeros")
    root = _strict_b64(root_text, "the root hash line")
    checkpoint = Checkpoint(origin, int(size_text), root, tuple(extensions))
    _check_body(checkpoint)
    if checkpoint.body() != body:
        raise MalformedNote("the body is not in canonical form")
    if not sig_block.endswith("\n"):
        raise MalformedNote("the note must end with a newline")
    signatures: list[NoteSignature] = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(_SIG_PREFIX):
            raise MalformedNote(f"signature line {line[:40]!r} does not start with an em dash")
        parts = line[len(_SIG_PREFIX):].split(" ")
        if len(parts) != 2:
            raise MalformedNote("a signature line must be '— <name> <base64>'")
        name, blob_text = parts
        _check_name(name)
        blob = _strict_b64(blob_text, f"the signature of {name!r}")
        if len(blob) < 5:
            raise MalformedNote(f"the signature of {name!r} is too short")
        signatures.append(NoteSignature(name, blob[:4], blob[4:]))
    if not signatures:
        raise MalformedNote("the note carries no signature")
    return SignedCheckpoint(checkpoint, tuple(signatures))


def verify_checkpoint(note: SignedCheckpoint, public_key: Ed25519PublicKey, key_name: str | None = None) -> Checkpoint:
    """Return the checkpoint if a signature by (key_name, public_key) verifies; else SignatureInvalid."""
    name = note.checkpoint.origin if key_name is None else key_name
    want = key_hash(name, public_key)
    body = note.checkpoint.body().encode()
    for sig in note.signatures:
        if sig.key_name == name and sig.key_hash == want:
            try:
                public_key.verify(sig.signature, body)
            except InvalidSignature as exc:
                raise SignatureInvalid("checkpoint-signature", f"the signature of {name!r} does not verify") from exc
            return note.checkpoint
    raise SignatureInvalid(
        "checkpoint-signature",
        f"no signature by key {name!r} ({want.hex()}) on the checkpoint",
        hint="check that you verify with this log's public key",
    )
