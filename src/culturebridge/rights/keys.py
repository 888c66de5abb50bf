"""The log's and creators' Ed25519 keys: their files (`culturebridge.keyfile`) and raw public bytes."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from culturebridge.errors import InvalidInput
from culturebridge.keyfile import create_key_file, load_key_file

# The log's key and creators' identity keys are plain key files.
create_log_key = create_identity_key = create_key_file
load_log_key = load_private_key = load_key_file


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 raw bytes; InvalidInput otherwise."""
    if len(raw) != 32:
        raise InvalidInput(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from standard base64 of its raw bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("public key is not valid base64") from exc
    return public_key_from_bytes(raw)
