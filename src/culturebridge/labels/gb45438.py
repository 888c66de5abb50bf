"""The GB 45438-2025 implicit label (Annex E): value object, parser, serialisers, integrity codes.

The label is a JSON object under the key `AIGC` whose values are strings drawn from the
Annex E character set (printable ASCII without space, `"` or `\\`). `ReservedCode1/2` carry
optional integrity data; ours is an Ed25519 signature over the canonical fields.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from culturebridge.errors import InvalidLabel

# GB 45438 Annex E: field order of the AIGC object.
FIELDS: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
# Annex E: GB18030 0x21, 0x23-0x5B, 0x5D-0x7E (printable ASCII minus space, '"' and '\').
_VALUE_RE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]*")
# A sane bound so a hostile file cannot make us carry megabytes of "label".
MAX_VALUE_LENGTH = 4096
# Our integrity code: "cb1." + key id (16 hex) + "." + base64url(signature), no padding.
_CODE_PREFIX = "cb1."


class LabelKind(str, Enum):
    """Annex E `Label`: how sure the marker is that the content is AI-made."""

    GENERATED = "1"  # 属于人工智能生成合成内容
    POSSIBLY = "2"  # 可能为人工智能生成合成内容
    SUSPECTED = "3"  # 疑似为人工智能生成合成内容


@dataclass(frozen=True)
class AIGCLabel:
    """One GB 45438 Annex E implicit label."""

    label: LabelKind
    content_producer: str = ""
    produce_id: str = ""
    reserved_code1: str = ""
    content_propagator: str = ""
    propagate_id: str = ""
    reserved_code2: str = ""

    def __post_init__(self) -> None:
        for name, value in zip(FIELDS[1:], self._values()[1:]):
            check_value(name, value)

    def _values(self) -> tuple[str, ...]:
        return (
            self.label.value,
            self.content_producer,
            self.produce_id,
            self.reserved_code1,
            self.content_propagator,
            self.propagate_id,
            self.reserved_code2,
        )

    def to_dict(self) -> dict[str, str]:
        """The inner Annex E object, field order as in the standard."""
        return dict(zip(FIELDS, self._values()))

    def to_json(self) -> str:
        """The wrapped form `{"AIGC":{...}}` written to metadata fields (Annex E)."""
        return json.dumps({"AIGC": self.to_dict()}, separators=(",", ":"), ensure_ascii=True)

    def to_xmp_value(self) -> str:
        """The inner form stored as XMP `TC260:AIGC` (no `{"AIGC":...}` wrapper)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True)

    def has_producer(self) -> bool:
        """True when the generating service filled its fields."""
        return bool(self.content_producer or self.produce_id or self.reserved_code1)

    def has_propagator(self) -> bool:
        """True when a distributing platform filled its fields."""
        return bool(self.content_propagator or self.propagate_id or self.reserved_code2)

    def same_producer(self, other: AIGCLabel) -> bool:
        """True when both labels carry identical producer fields (Label included)."""
        return self._values()[:4] == other._values()[:4]


def check_value(name: str, value: str) -> None:
    """Raise InvalidLabel unless `value` uses only the Annex E character set."""
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidLabel(f"{name} is {len(value)} characters long (limit {MAX_VALUE_LENGTH})")
    if _VALUE_RE.fullmatch(value) is None:
        bad = next(c for c in value if _VALUE_RE.fullmatch(c) is None)
        raise InvalidLabel(
            f"{name} contains {bad!r}, outside the GB 45438 Annex E character set",
            hint="use printable ASCII without space, '\"' or '\\'",
        )


def produced(producer: str, produce_id: str, kind: LabelKind = LabelKind.GENERATED) -> AIGCLabel:
    """A label as the generating service writes it (producer role)."""
    return AIGCLabel(label=kind, content_producer=producer, produce_id=produce_id)


def propagated(existing: AIGCLabel, propagator: str, propagate_id: str) -> AIGCLabel:
    """Publish: fill the propagator fields, keep the producer's untouched (Measures Art. 10)."""
    return replace(
        existing, content_propagator=propagator, propagate_id=propagate_id, reserved_code2=""
    )


def compatible(a: AIGCLabel, b: AIGCLabel) -> bool:
    """True when the labels agree on every field both of them fill."""
    return all(x == y or not x or not y for x, y in zip(a._values(), b._values()))


def consolidate(labels: list[AIGCLabel]) -> AIGCLabel | None:
    """The most complete of mutually compatible labels, or None when any two disagree.

    A producer's original label (e.g. in JPEG EXIF) and the propagated copy we wrote
    (in XMP) are compatible: the copy only adds propagator fields.
    """
    if not labels or any(not compatible(a, b) for a in labels for b in labels):
        return None
    return max(labels, key=lambda label: sum(bool(v) for v in label._values()))


# --- parsing --------------------------------------------------------------------------------

_KIND_WORDS: dict[str, LabelKind] = {
    "1": LabelKind.GENERATED,
    "2": LabelKind.POSSIBLY,
    "3": LabelKind.SUSPECTED,
    "aigc": LabelKind.GENERATED,
    "true": LabelKind.GENERATED,
    "generated": LabelKind.GENERATED,
    "possibly": LabelKind.POSSIBLY,
    "possible": LabelKind.POSSIBLY,
    "suspected": LabelKind.SUSPECTED,
}
# Tencent's schema and other real-world variants map onto the Annex E names.
_ALIASES: dict[str, str] = {
    "serviceprovider": "ContentProducer",
    "contentproducer": "ContentProducer",
    "producer": "ContentProducer",
    "produceid": "ProduceID",
    "contentid": "ProduceID",
    "reservedcode1": "ReservedCode1",
    "contentpropagator": "ContentPropagator",
    "propagator": "ContentPropagator",
    "propagateid": "PropagateID",
    "reservedcode2": "ReservedCode2",
    "label": "Label",
}


@dataclass(frozen=True)
class Parsed:
    """The result of tolerant parsing: the label, plus what deviated from Annex E."""

    label: AIGCLabel
    issues: tuple[str, ...]
    wrapped: bool = False  # the value had the {"AIGC": ...} wrapper


def parse_label(raw: str) -> Parsed:
    """Parse a wrapped or unwrapped AIGC JSON value, tolerating known variants."""
    text = raw.strip().strip("\x00").strip()
    if len(text) > 64 * MAX_VALUE_LENGTH:
        raise InvalidLabel(f"AIGC value is {len(text)} characters long; not a label")
    try:
        obj: Any = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidLabel(f"AIGC value is not JSON: {exc}") from None
    issues: list[str] = []
    if isinstance(obj, str):  # doubly encoded JSON string seen in the wild
        issues.append("AIGC value is a JSON string holding JSON (double-encoded)")
        return _with_issues(parse_label(obj), issues)
    if not isinstance(obj, dict):
        raise InvalidLabel("AIGC value is JSON but not an object")
    wrapped = "AIGC" in obj
    if wrapped and isinstance(obj["AIGC"], dict):
        obj = obj["AIGC"]
    elif wrapped and isinstance(obj["AIGC"], str):
        issues.append("AIGC object is a JSON string inside the wrapper")
        return _with_issues(parse_label(obj["AIGC"]), issues, wrapped=True)
    return Parsed(_from_mapping(obj, issues), tuple(issues), wrapped)


def _with_issues(parsed: Parsed, issues: list[str], *, wrapped: bool = False) -> Parsed:
    return Parsed(parsed.label, tuple(issues) + parsed.issues, wrapped or parsed.wrapped)


def _from_mapping(obj: Mapping[str, Any], issues: list[str]) -> AIGCLabel:
    fields: dict[str, str] = {}
    for key, value in obj.items():
        name = _ALIASES.get(str(key).lower())
        if name is None:
            issues.append(f"unknown field {key!r} ignored")
            continue
        if name != key:
            issues.append(f"field {key!r} read as {name!r} (not the Annex E name)")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            issues.append(f"{name} is a number, Annex E requires a string")
            value = str(value)
        if not isinstance(value, str):
            raise InvalidLabel(f"AIGC field {name} is {type(value).__name__}, not a string")
        fields[name] = value
    raw_kind = fields.pop("Label", None)
    if raw_kind is None:
        raise InvalidLabel("AIGC object has no Label field", hint="Label must be 1, 2 or 3")
    kind = _KIND_WORDS.get(raw_kind.strip().lower())
    if kind is None:
        raise InvalidLabel(f"AIGC Label {raw_kind!r} is not 1, 2 or 3")
    if raw_kind != kind.value:
        issues.append(f"Label {raw_kind!r} read as {kind.value!r}")
    for name in FIELDS[1:]:
        value = fields.get(name, "")
        try:
            check_value(name, value)
        except InvalidLabel as exc:
            issues.append(exc.message)
            fields[name] = _sanitise(value)
    return AIGCLabel(
        label=kind,
        content_producer=fields.get("ContentProducer", ""),
        produce_id=fields.get("ProduceID", ""),
        reserved_code1=fields.get("ReservedCode1", ""),
        content_propagator=fields.get("ContentPropagator", ""),
        propagate_id=fields.get("PropagateID", ""),
        reserved_code2=fields.get("ReservedCode2", ""),
    )


def _sanitise(value: str) -> str:
    kept = "".join(c for c in value if _VALUE_RE.fullmatch(c))
    return kept[:MAX_VALUE_LENGTH]


# --- ReservedCode integrity (our Ed25519 signatures) --------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """16 hex digits naming a platform key inside an integrity code."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _producer_message(label: AIGCLabel) -> bytes:
    # Canonical producer part: Label, ContentProducer, ProduceID.
    return "\n".join(("GB45438/RC1",) + label._values()[:3]).encode("ascii")


def _propagator_message(label: AIGCLabel) -> bytes:
    # The propagator signs over its own fields and everything the producer wrote.
    values = label._values()
    return "\n".join(("GB45438/RC2",) + values[:3] + values[3:6]).encode("ascii")


def _encode(key: Ed25519PrivateKey, message: bytes) -> str:
    sig = base64.urlsafe_b64encode(key.sign(message)).rstrip(b"=").decode("ascii")
    return f"{_CODE_PREFIX}{key_id(key.public_key())}.{sig}"


def sign_producer(label: AIGCLabel, key: Ed25519PrivateKey) -> AIGCLabel:
    """Fill ReservedCode1 with our signature over the producer fields."""
    return replace(label, reserved_code1=_encode(key, _producer_message(label)))


def sign_propagator(label: AIGCLabel, key: Ed25519PrivateKey) -> AIGCLabel:
    """Fill ReservedCode2 with our signature over producer and propagator fields."""
    return replace(label, reserved_code2=_encode(key, _propagator_message(label)))


class CodeState(str, Enum):
    """What a ReservedCode field says about integrity."""

    ABSENT = "absent"
    VALID = "valid"
    INVALID = "invalid"
    FOREIGN = "foreign"  # someone else's format or key: not ours to judge


def _verify(code: str, message: bytes, keys: Mapping[str, Ed25519PublicKey]) -> CodeState:
    if not code:
        return CodeState.ABSENT
    parts = code.split(".")
    if len(parts) != 3 or parts[0] + "." != _CODE_PREFIX:
        return CodeState.FOREIGN
    key = keys.get(parts[1])
    if key is None:
        return CodeState.FOREIGN
    try:
        sig = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        key.verify(sig, message)
    except (InvalidSignature, ValueError):
        return CodeState.INVALID
    return CodeState.VALID


def verify_codes(
    label: AIGCLabel, public_keys: tuple[Ed25519PublicKey, ...]
) -> tuple[CodeState, CodeState]:
    """Check ReservedCode1 and ReservedCode2 against our platform keys."""
    keys = {key_id(k): k for k in public_keys}
    return (
        _verify(label.reserved_code1, _producer_message(label), keys),
        _verify(label.reserved_code2, _propagator_message(label), keys),
    )
