"""The platform's Ed25519 label key that signs ReservedCode1/2 (a key file, mode 0600)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from culturebridge.keyfile import create_key_file, load_key_file

create_label_key = create_key_file
load_label_key = load_key_file


def public_key(key: Ed25519PrivateKey) -> Ed25519PublicKey:
    """The public half, used to verify ReservedCode fields."""
    return key.public_key()
