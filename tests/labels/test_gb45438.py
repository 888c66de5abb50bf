from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import InvalidLabel
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

ANNEX_E = "".join(chr(c) for c in [0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)])


def test_wrapped_json_has_all_fields_in_annex_e_order() -> None:
    label = produced("PROD1", "id-1")
    obj = json.loads(label.to_json())
    assert list(obj) == ["AIGC"]
    assert list(obj["AIGC"]) == [
        "Label",
        "ContentProducer",
        "ProduceID",
        "ReservedCode1",
        "ContentPropagator",
        "PropagateID",
        "ReservedCode2",
    ]
    assert obj["AIGC"]["Label"] == "1"
    assert json.loads(label.to_xmp_value()) == obj["AIGC"]


@pytest.mark.parametrize("bad", ["has space", 'quo"te', "back\\slash", "中文", "tab\t"])
def test_values_outside_annex_e_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidLabel):
        AIGCLabel(LabelKind.GENERATED, content_producer=bad)


def test_every_annex_e_character_is_accepted() -> None:
    label = AIGCLabel(LabelKind.POSSIBLY, content_producer=ANNEX_E)
    assert parse_label(label.to_json()).label == label


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(LabelKind)),
    st.text(alphabet=ANNEX_E, max_size=40),
    st.text(alphabet=ANNEX_E, max_size=40),
    st.text(alphabet=ANNEX_E, max_size=40),
)
def test_round_trip_wrapped_and_inner(kind: LabelKind, producer: str, pid: str, prop: str) -> None:
    label = AIGCLabel(kind, content_producer=producer, produce_id=pid, content_propagator=prop)
    assert parse_label(label.to_json()).label == label
    assert parse_label(label.to_xmp_value()).label == label
    assert parse_label(label.to_json()).issues == ()


def test_tolerant_parser_reads_variants() -> None:
    aigc_word = parse_label('{"AIGC":{"Label":"AIGC","ContentProducer":"X"}}')
    assert aigc_word.label.label == LabelKind.GENERATED
    assert any("read as" in i for i in aigc_word.issues)
    tencent = parse_label('{"AIGC":{"Label":"1","ServiceProvider":"TENCENT","ContentID":"abc"}}')
    assert tencent.label.content_producer == "TENCENT"
    assert tencent.label.produce_id == "abc"
    numeric = parse_label('{"Label":2,"ContentProducer":"P"}')
    assert numeric.label.label == LabelKind.POSSIBLY
    doubled = parse_label(json.dumps(json.dumps({"AIGC": {"Label": "3"}})))
    assert doubled.label.label == LabelKind.SUSPECTED and doubled.issues


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[1,2]",
        '{"AIGC":{}}',
        '{"AIGC":{"Label":"9"}}',
        '{"Label":{"a":1}}',
        "[" * 100000,
    ],
)
def test_malformed_values_raise_invalid_label(raw: str) -> None:
    with pytest.raises(InvalidLabel):
        parse_label(raw)


def test_bad_characters_become_issues_not_crashes() -> None:
    parsed = parse_label('{"AIGC":{"Label":"1","ContentProducer":"有 空格"}}')
    assert parsed.label.content_producer == ""
    assert any("character set" in i for i in parsed.issues)


def test_propagation_keeps_producer_fields() -> None:
    key = Ed25519PrivateKey.generate()
    original = sign_producer(produced("GEN", "g1"), key)
    published = propagated(original, "CB", "p1")
    assert published.same_producer(original)
    assert (published.content_propagator, published.propagate_id) == ("CB", "p1")


def test_reserved_codes_sign_and_verify() -> None:
    key = Ed25519PrivateKey.generate()
    label = sign_propagator(propagated(sign_producer(produced("GEN", "g1"), key), "CB", "p1"), key)
    assert verify_codes(label, (key.public_key(),)) == (CodeState.VALID, CodeState.VALID)
    assert parse_label(label.to_json()).issues == ()  # the codes stay in the Annex E charset
    tampered = AIGCLabel(
        label.label, "GEN", "g2", label.reserved_code1, "CB", "p1", label.reserved_code2
    )
    assert verify_codes(tampered, (key.public_key(),)) == (CodeState.INVALID, CodeState.INVALID)
    other = Ed25519PrivateKey.generate()
    assert verify_codes(label, (other.public_key(),)) == (CodeState.FOREIGN, CodeState.FOREIGN)
    assert verify_codes(produced("A", "b"), ()) == (CodeState.ABSENT, CodeState.ABSENT)
