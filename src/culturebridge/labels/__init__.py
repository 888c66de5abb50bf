"""GB 45438 implicit and explicit AI-content labels, IPTC source type and C2PA manifests.

Public API: parse and build labels (`AIGCLabel`, `parse_label`), read and write them in
files (`read_labels`, `write_label`), sign C2PA manifests, check a file (`check_file`)
and label one (`apply_labels`); on the platform: the per-asset check job (`asset_check`),
labelled renditions and `label_for_publication` (`renditions`) and the labelling action log.

Names are imported on first use (PEP 562): the media libraries behind them (pypdf, c2pa,
numpy) take about a second to load, and importing the package (which registers its tables)
happens in every process.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from culturebridge.labels import _tables  # noqa: F401  (registers the stage's tables)

# Loaded eagerly (it is small): the function `sniff` must win over the submodule of the
# same name, which Python otherwise sets as the package attribute once it is imported.
from culturebridge.labels.sniff import MediaKind, sniff

if TYPE_CHECKING:
    from culturebridge.labels.activity import activity
    from culturebridge.labels.apply import Applied, LabelRequest, apply_labels
    from culturebridge.labels.asset_check import (
        JOB_KIND,
        StoredCheck,
        check_asset,
        check_handler,
        stored_check,
    )
    from culturebridge.labels.attention import unlabelled_files
    from culturebridge.labels.c2pa import (
        C2paReport,
        Credentials,
        Parent,
        create_signing_chain,
        load_credentials,
    )
    from culturebridge.labels.carriers import Found, read_labels, write_label
    from culturebridge.labels.check import (
        Report,
        Verdict,
        check_bytes,
        check_file,
        platform_tier,
    )
    from culturebridge.labels.explicit import SHORT, plate_boxes
    from culturebridge.labels.gb45438 import (
        AIGCLabel,
        CodeState,
        LabelKind,
        parse_label,
        produced,
        propagated,
        sign_producer,
        sign_propagator,
        verify_codes,
    )
    from culturebridge.labels.keyring import PlatformKeys, make_platform_keys, platform_keys
    from culturebridge.labels.keys import create_label_key, load_label_key
    from culturebridge.labels.log import LabelEvent, list_events, log_event
    from culturebridge.labels.renditions import (
        label_for_publication,
        original_assets,
        publication_notice,
    )

_WHERE: dict[str, str] = {
    "activity": "activity",
    "unlabelled_files": "attention",
    "Applied": "apply",
    "LabelRequest": "apply",
    "apply_labels": "apply",
    "C2paReport": "c2pa",
    "Credentials": "c2pa",
    "Parent": "c2pa",
    "create_signing_chain": "c2pa",
    "load_credentials": "c2pa",
    "Found": "carriers",
    "read_labels": "carriers",
    "write_label": "carriers",
    "Report": "check",
    "Verdict": "check",
    "check_bytes": "check",
    "check_file": "check",
    "platform_tier": "check",
    "SHORT": "explicit",
    "plate_boxes": "explicit",
    "AIGCLabel": "gb45438",
    "CodeState": "gb45438",
    "LabelKind": "gb45438",
    "parse_label": "gb45438",
    "produced": "gb45438",
    "propagated": "gb45438",
    "sign_producer": "gb45438",
    "sign_propagator": "gb45438",
    "verify_codes": "gb45438",
    "JOB_KIND": "asset_check",
    "StoredCheck": "asset_check",
    "check_asset": "asset_check",
    "check_handler": "asset_check",
    "stored_check": "asset_check",
    "label_for_publication": "renditions",
    "publication_notice": "renditions",
    "original_assets": "renditions",
    "create_label_key": "keys",
    "load_label_key": "keys",
    "PlatformKeys": "keyring",
    "make_platform_keys": "keyring",
    "platform_keys": "keyring",
    "LabelEvent": "log",
    "list_events": "log",
    "log_event": "log",
}

__all__ = [
    "activity",
    "JOB_KIND",
    "SHORT",
    "AIGCLabel",
    "Applied",
    "C2paReport",
    "CodeState",
    "Credentials",
    "Found",
    "LabelEvent",
    "LabelKind",
    "LabelRequest",
    "MediaKind",
    "Parent",
    "PlatformKeys",
    "Report",
    "StoredCheck",
    "Verdict",
    "apply_labels",
    "check_asset",
    "check_bytes",
    "check_file",
    "plate_boxes",
    "check_handler",
    "create_label_key",
    "create_signing_chain",
    "label_for_publication",
    "list_events",
    "load_credentials",
    "load_label_key",
    "log_event",
    "make_platform_keys",
    "original_assets",
    "parse_label",
    "platform_keys",
    "platform_tier",
    "produced",
    "propagated",
    "publication_notice",
    "read_labels",
    "sign_producer",
    "sign_propagator",
    "sniff",
    "unlabelled_files",
    "stored_check",
    "verify_codes",
    "write_label",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'culturebridge.labels' has no attribute {name!r}")
    value = getattr(import_module(f"culturebridge.labels.{module}"), name)
    globals()[name] = value
    return value
