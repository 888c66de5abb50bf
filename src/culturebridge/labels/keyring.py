"""The platform's labelling keys in the data directory: C2PA chain and GB label key.

`culturebridge init` calls `make_platform_keys(settings)`; jobs, the CLI and the web app
load them with `platform_keys(settings)`. Everything lives under `settings.keys_dir`
(folder 0700, files 0600).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from culturebridge.errors import SigningCredentialsMissing
from culturebridge.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from culturebridge.labels.c2pa import Credentials

C2PA_DIR = "c2pa"
LABEL_KEY_FILE = "label-ed25519.pem"


def c2pa_dir(settings: Settings) -> Path:
    """Where the C2PA CA -> leaf chain lives."""
    return settings.keys_dir / C2PA_DIR


def label_key_path(settings: Settings) -> Path:
    """Where the Ed25519 key signing ReservedCode1/2 lives."""
    return settings.keys_dir / LABEL_KEY_FILE


@dataclass(frozen=True)
class PlatformKeys:
    """The keys this platform labels with, and the code it writes as ContentPropagator."""

    label_key: Ed25519PrivateKey
    credentials: Credentials
    propagator: str


def make_platform_keys(settings: Settings) -> None:
    """Create the C2PA chain and the label key if missing (called by `culturebridge init`)."""
    from culturebridge.labels.c2pa import CHAIN_FILE, create_signing_chain
    from culturebridge.labels.gb45438 import check_value
    from culturebridge.labels.keys import create_label_key

    check_value("label_propagator", settings.label_propagator)
    chain = c2pa_dir(settings)
    if not (chain / CHAIN_FILE).exists():
        # The O field names the platform, as its propagator code does in GB labels.
        create_signing_chain(chain, settings.label_propagator)
    if not label_key_path(settings).exists():
        create_label_key(label_key_path(settings))
    os.chmod(chain, 0o700)
    for path in chain.iterdir():
        os.chmod(path, 0o600)


def has_platform_keys(settings: Settings) -> bool:
    """True when `make_platform_keys` ran for this data directory."""
    return label_key_path(settings).exists() and c2pa_dir(settings).is_dir()


def platform_keys(settings: Settings) -> PlatformKeys:
    """Load the platform's keys; SigningCredentialsMissing when `init` did not make them."""
    from culturebridge.labels.c2pa import load_credentials
    from culturebridge.labels.gb45438 import check_value
    from culturebridge.labels.keys import load_label_key

    if not has_platform_keys(settings):
        raise SigningCredentialsMissing(
            f"no labelling keys under {settings.keys_dir}",
            hint="run `culturebridge init` (or labels.make_platform_keys) for this data directory",
        )
    check_value("label_propagator", settings.label_propagator)
    return PlatformKeys(
        load_label_key(label_key_path(settings)),
        load_credentials(c2pa_dir(settings)),
        settings.label_propagator,
    )
