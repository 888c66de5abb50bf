"""The platform's Ed25519 label key that signs ReservedCode1/2 (files at the edge, mode 0600)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from culturebridge.errors import SigningCredentialsMissing


def create_label_key(path: Path) -> Ed25519PrivateKey:
    """Generate a label key and store it as PKCS#8 PEM with mode 0600 (never overwrites)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningCredentialsMissing(
            f"label key {path} already exists", hint="load it instead of creating a new one"
        ) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def load_label_key(path: Path) -> Ed25519PrivateKey:
    """Read a label key written by `create_label_key`."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningCredentialsMissing(
            f"label key {path} unreadable: {exc.strerror}", hint="create one with create_label_key"
        ) from None
    except ValueError:
        raise SigningCredentialsMissing(f"label key {path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningCredentialsMissing(f"label key {path} is not an Ed25519 key")
    return key


def public_key(key: Ed25519PrivateKey) -> Ed25519PublicKey:
    """The public half, used to verify ReservedCode fields."""
    return key.public_key()
