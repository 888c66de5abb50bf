from __future__ import annotations

import pytest

from culturebridge.errors import MalformedClaim
from culturebridge.rights.jcs import canonicalize, parse_json


def test_rfc8785_ordering_and_escaping() -> None:
    # RFC 8785 §3.2.3 sorting example (UTF-16 code units) and §3.2.2.2 escapes.
    value = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
             "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
    out = canonicalize(value).decode()
    keys = [k for k in value]
    order = [out.index('"' + (k if k != "\r" else "\\r") + '"') for k in keys]
    assert [k for _, k in sorted(zip(order, keys))] == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonicalize({"s": "\u0001\b\"\\/\u007f"}) == b'{"s":"\\u0001\\b\\"\\\\/\x7f"}'
    assert canonicalize([None, True, False, -5, 0, "\u4e2d"]) == '[null,true,false,-5,0,"中"]'.encode()


def test_unsupported_values_are_refused() -> None:
    for bad in (1.5, 2**53, {1: "x"}, {"x": object()}, "\ud800"):
        with pytest.raises(MalformedClaim):
            canonicalize(bad)


def test_parse_json_is_strict() -> None:
    assert parse_json(b'{"a":[1,"x"]}') == {"a": [1, "x"]}
    for bad in (b'{"a":1,"a":2}', b'{"a":1.0}', b"NaN", b"{", b"\xff"):
        with pytest.raises(MalformedClaim):
            parse_json(bad)
