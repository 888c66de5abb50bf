"""Generation endpoints the user configures: where chat, images and speech are asked for.

An endpoint is an OpenAI-compatible base URL (llama.cpp `llama-server`, vLLM, Ollama, a
hosted API) serving `/chat/completions`, `/images/generations` and `/audio/speech` under it.
Named endpoints come from the `create_endpoints` setting,

    NAME=BASE_URL[@CHAT_MODEL][?images=MODEL&speech=MODEL&voice=VOICE&key_env=VAR]

separated by spaces. A named endpoint serves images or speech only when a model is given for
them; without a speech model, narration falls back to espeak-ng (offline). A bare
`BASE_URL[@MODEL]` (on the command line) serves all three with MODEL. Keys are never stored
in settings or records: a named endpoint's key is read from the environment variable
`key_env` names, else `CULTUREBRIDGE_CREATE_KEY_<NAME>`; a bare URL's from
`CULTUREBRIDGE_CREATE_KEY`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from culturebridge.errors import ConfigurationError, InvalidInput
from culturebridge.settings import Settings

KEY_ENV_PREFIX = "CULTUREBRIDGE_CREATE_KEY_"
BARE_KEY_ENV = "CULTUREBRIDGE_CREATE_KEY"
DEFAULT_MODEL = "default"
DEFAULT_VOICE = "alloy"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_OPTIONS = {"images", "speech", "voice", "key_env"}


@dataclass(frozen=True)
class Endpoint:
    """One configured endpoint. `api_key` is resolved from the environment, never recorded."""

    name: str
    base_url: str
    chat_model: str
    image_model: str | None = None
    speech_model: str | None = None
    voice: str = DEFAULT_VOICE
    api_key: str = ""

    def record(self) -> dict[str, Any]:
        """What a draft's lineage record keeps about the endpoint (no key)."""
        return {
            "name": self.name,
            "base_url": self.base_url,
            "chat_model": self.chat_model,
            "image_model": self.image_model,
            "speech_model": self.speech_model or "espeak-ng",
            "voice": self.voice,
        }


def _split_url(spec: str) -> tuple[str, str | None, dict[str, str]]:
    """`BASE_URL[@MODEL][?opts]` -> (base_url, model, options); the model follows the last '@' after the host."""
    head, _, query = spec.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=False)) if query else {}
    unknown = set(options) - _OPTIONS
    if unknown:
        raise InvalidInput(f"endpoint {spec!r}: unknown option(s) {', '.join(sorted(unknown))}",
                           hint=f"known options: {', '.join(sorted(_OPTIONS))}")
    parts = urlsplit(head)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"endpoint {spec!r} is not an http(s) base URL",
                           hint="give NAME from create_endpoints or a URL like http://127.0.0.1:8080/v1@MODEL")
    model: str | None = None
    path = parts.path
    if "@" in path:
        path, _, model = path.rpartition("@")
        model = model or None
    base = f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")
    return base, model, options


def parse_endpoints(spec: str, environ: Mapping[str, str]) -> dict[str, Endpoint]:
    """The named endpoints of a `create_endpoints` setting, keys taken from `environ`."""
    out: dict[str, Endpoint] = {}
    for entry in spec.split():
        name, sep, rest = entry.partition("=")
        if not sep or not _NAME.match(name):
            raise ConfigurationError(f"create_endpoints: {entry!r} is not NAME=BASE_URL[@MODEL][?options]")
        if name in out:
            raise ConfigurationError(f"create_endpoints: endpoint {name!r} is named twice")
        try:
            base, model, options = _split_url(rest)
        except InvalidInput as exc:
            raise ConfigurationError(f"create_endpoints: {exc.message}", hint=exc.hint) from None
        key_env = options.get("key_env") or KEY_ENV_PREFIX + name.upper().replace("-", "_")
        out[name] = Endpoint(
            name=name,
            base_url=base,
            chat_model=model or DEFAULT_MODEL,
            image_model=options.get("images"),
            speech_model=options.get("speech"),
            voice=options.get("voice", DEFAULT_VOICE),
            api_key=environ.get(key_env, ""),
        )
    return out


def bare_endpoint(spec: str, environ: Mapping[str, str]) -> Endpoint:
    """`BASE_URL[@MODEL][?options]`: one URL serving chat, images and speech."""
    base, model, options = _split_url(spec)
    chosen = model or DEFAULT_MODEL
    return Endpoint(
        name=base,
        base_url=base,
        chat_model=chosen,
        image_model=options.get("images", chosen),
        speech_model=options.get("speech", chosen),
        voice=options.get("voice", DEFAULT_VOICE),
        api_key=environ.get(options.get("key_env") or BARE_KEY_ENV, ""),
    )


def resolve_endpoint(settings: Settings, choice: str | None, environ: Mapping[str, str]) -> Endpoint:
    """The endpoint for `choice` (a name or BASE_URL[@MODEL]), else the configured default."""
    named = parse_endpoints(settings.create_endpoints, environ)
    wanted = (choice or settings.create_endpoint).strip()
    if not wanted:
        if settings.llm_base_url:
            model = settings.llm_model or DEFAULT_MODEL
            return Endpoint("llm", settings.llm_base_url.rstrip("/"), model, api_key=settings.llm_api_key)
        raise ConfigurationError(
            "no generation endpoint is configured",
            hint="set create_endpoints/create_endpoint (docs/create.md) or pass --endpoint BASE_URL@MODEL",
        )
    if wanted in named:
        return named[wanted]
    if "://" not in wanted:
        known = ", ".join(sorted(named)) or "none configured"
        raise InvalidInput(f"no generation endpoint named {wanted!r}", hint=f"known endpoints: {known}")
    return bare_endpoint(wanted, environ)
