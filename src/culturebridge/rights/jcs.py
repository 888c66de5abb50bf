"""RFC 8785 JSON Canonicalization Scheme (JCS) for the value types claims use.

Supported: str, int (within ±(2^53 − 1), the exactly representable ES6 range), bool, None,
lists/tuples and str-keyed dicts. Floats are refused rather than risk a serialisation that
differs from ES6 `Number.prototype.toString` (RFC 8785 §3.2.2.3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from culturebridge.errors import MalformedClaim

JsonValue = str | int | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
MAX_SAFE_INTEGER = (1 << 53) - 1
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def canonicalize(value: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of `value`; MalformedClaim for unsupported values."""
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedClaim("text contains a lone surrogate, which JSON cannot carry") from exc


def _write(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise MalformedClaim(f"integer {value} is outside ±(2^53−1), which JSON numbers carry exactly")
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        # §3.2.3: members sorted by the UTF-16 code units of their names.
        keys = list(value)
        if not all(isinstance(k, str) for k in keys):
            raise MalformedClaim("object member names must be strings")
        out.append("{")
        for i, key in enumerate(sorted(keys, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, float):
        raise MalformedClaim("floating-point numbers are not allowed in claims", hint="use an integer or a string")
    else:
        raise MalformedClaim(f"a {type(value).__name__} cannot be put in a claim")


def _string(text: str) -> str:
    # §3.2.2.2: ES6 JSON.stringify escaping — the short forms, \u00XX (lowercase) for other
    # control characters, everything else as is.
    chunks = ['"']
    for ch in text:
        if ch in _ESCAPES:
            chunks.append(_ESCAPES[ch])
        elif ch < " ":
            chunks.append(f"\\u{ord(ch):04x}")
        else:
            chunks.append(ch)
    chunks.append('"')
    return "".join(chunks)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedClaim(f"member {key!r} appears twice")
        result[key] = value
    return result


def _no_floats(text: str) -> object:
    raise MalformedClaim(f"number {text} is not an integer; claims carry no floating-point numbers")


def parse_json(data: bytes | str) -> object:
    """Parse JSON strictly: UTF-8, no duplicate members, no floats, NaN or Infinity."""
    try:
        return json.loads(
            data, object_pairs_hook=_no_duplicates, parse_float=_no_floats, parse_constant=_no_floats
        )
    except (ValueError, RecursionError) as exc:
        raise MalformedClaim(f"not valid JSON: {exc}") from exc
