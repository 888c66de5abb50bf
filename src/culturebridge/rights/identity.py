"""Creators' Ed25519 identity keys: one per user, held by the platform, made when first needed.

The private key lives in `<keys_dir>/identities/<user_id>` (PKCS#8 PEM, mode 0600); its
public half is recorded in `users.identity_public_key` (base64 of the raw 32 bytes), so
anyone can tell which account signed a claim.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from culturebridge.accounts.users import User, set_identity_key
from culturebridge.errors import InvalidInput, KeyFileError
from culturebridge.rights.keys import create_identity_key, load_private_key, public_key_bytes
from culturebridge.settings import Settings

_SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def identity_key_path(settings: Settings, user_id: str) -> Path:
    """Where a user's identity key lives: `<keys_dir>/identities/<user_id>`."""
    if not _SAFE_ID.fullmatch(user_id):
        raise InvalidInput(f"user id {user_id!r} cannot name a key file")
    return settings.keys_dir / "identities" / user_id


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The base64 of the raw public key, as stored in `users.identity_public_key`."""
    return base64.b64encode(public_key_bytes(key)).decode()


def ensure_identity_key(conn: Connection, settings: Settings, user: User) -> Ed25519PrivateKey:
    """The user's identity key, created (file 0600 + public key on the account) if they have none.

    Call inside a write transaction: the public key is recorded on `conn`. A key file left by
    a transaction that rolled back is adopted rather than replaced.
    """
    path = identity_key_path(settings, user.id)
    if user.identity_public_key is None:
        key = _load_or_create(path)
        set_identity_key(conn, user.id, public_key_text(key))
        return key
    if not path.exists():
        raise KeyFileError(
            f"the identity key of {user.username} is recorded but its file {path} is missing",
            hint="restore the keys folder from a backup; claims cannot be signed for this account until then",
        )
    key = load_private_key(path)
    if public_key_text(key) != user.identity_public_key:
        raise KeyFileError(
            f"the identity key file {path} does not match the public key recorded for {user.username}",
            hint="restore the right key file from a backup",
        )
    return key


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        return load_private_key(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        return create_identity_key(path)
    except KeyFileError:
        if path.exists():  # another process created it between our check and our create
            return load_private_key(path)
        raise
