"""Endpoint specs and where keys come from (never the spec itself)."""

from __future__ import annotations

import pytest

from culturebridge.audit.endpoints import api_key, key_variable, parse_endpoint
from culturebridge.errors import EndpointSpecInvalid


def test_parse_endpoint_with_and_without_model() -> None:
    e = parse_endpoint("qwen=http://127.0.0.1:8080/v1@qwen2.5-7b", concurrency=6)
    assert (e.name, e.base_url, e.model, e.concurrency) == ("qwen", "http://127.0.0.1:8080/v1", "qwen2.5-7b", 6)
    assert parse_endpoint("x=https://api.example.com/v1/").model == "default"
    assert parse_endpoint("x=https://api.example.com/v1/").base_url == "https://api.example.com/v1"
    hf = parse_endpoint("vllm=http://10.0.0.5:8000/v1@Qwen/Qwen2.5-7B-Instruct")
    assert (hf.base_url, hf.model) == ("http://10.0.0.5:8000/v1", "Qwen/Qwen2.5-7B-Instruct")
    assert parse_endpoint("o=http://localhost:11434@llama3").model == "llama3"


@pytest.mark.parametrize("spec", ["nourl", "=http://h/v1", "x=ftp://h/v1", "x=http://h/v1@", "x=http://u:p@h/v1@m", "x=http://u:p@h/v1"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(EndpointSpecInvalid):
        parse_endpoint(spec)


def test_keys_come_from_the_environment_then_the_fallback() -> None:
    assert key_variable("my-model.2") == "CULTUREBRIDGE_AUDIT_KEY_MY_MODEL_2"
    env = {"CULTUREBRIDGE_AUDIT_KEY_A": "sk-a"}
    assert api_key("a", "sk-setting", env) == "sk-a"
    assert api_key("b", "sk-setting", env) == "sk-setting"
    assert api_key("b", "", env) == "not-needed"
