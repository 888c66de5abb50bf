"""Calling an endpoint: chat, images and speech through the `openai` SDK, answers checked.

Request shapes are the OpenAI API's (`POST {base}/chat/completions` with `messages`, `seed`,
`temperature`; `POST {base}/images/generations` with `prompt`, `n`, `size`,
`response_format` -> `data[].b64_json` or `url`; `POST {base}/audio/speech` with `input`,
`voice`, `response_format` -> audio bytes). Every SDK or transport failure becomes
`EndpointFailed` naming the endpoint and path; an answer we cannot use (a non-image, an
oversized or undecodable image, non-audio) becomes `GenerationUnusable`. Narration without a
speech model is spoken by espeak-ng (Debian package), offline.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from PIL import Image, UnidentifiedImageError

from culturebridge.create.endpoints import Endpoint
from culturebridge.errors import EndpointFailed, GenerationUnusable
from culturebridge.labels import MediaKind, sniff

if TYPE_CHECKING:
    import openai

IMAGE_KINDS = {MediaKind.PNG: "image/png", MediaKind.JPEG: "image/jpeg", MediaKind.WEBP: "image/webp"}
AUDIO_KINDS = {MediaKind.WAV, MediaKind.MP3, MediaKind.FLAC, MediaKind.OGG}
MAX_AUDIO_BYTES = 64 * 1024**2
ESPEAK_VOICES = {"zh": "cmn", "en": "en", "fr": "fr", "es": "es", "ja": "ja", "ko": "ko", "ar": "ar", "th": "th", "ms": "ms"}


@dataclass(frozen=True)
class Limits:
    """What a generated file may be: request timeout, largest image in bytes and pixels."""

    timeout_s: float = 120.0
    max_image_bytes: int = 20_000_000
    max_image_pixels: int = 64_000_000


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str
    params: dict[str, Any]
    system_fingerprint: str | None = None


@dataclass(frozen=True)
class ImageAnswer:
    data: bytes
    mime: str
    width: int
    height: int
    model: str
    params: dict[str, Any]
    revised_prompt: str | None = None
    seed: int | None = None  # only when the server returns one


@dataclass(frozen=True)
class SpeechAnswer:
    data: bytes
    engine: str  # the speech model, or "espeak-ng"
    params: dict[str, Any] = field(default_factory=dict)


def _openai() -> Any:
    # The SDK takes seconds to import: loaded when a draft is generated, not with the CLI.
    import openai

    return openai


def _client(endpoint: Endpoint, limits: Limits) -> openai.OpenAI:
    client: openai.OpenAI = _openai().OpenAI(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key or "unused",  # local servers take any key; the SDK requires one
        timeout=limits.timeout_s,
        max_retries=0,  # a failed attempt is reported and kept in the job log, not retried silently
    )
    return client


def _failed(endpoint: Endpoint, path: str, exc: Exception) -> EndpointFailed:
    openai = _openai()
    if isinstance(exc, openai.APITimeoutError):
        what = "timed out"
    elif isinstance(exc, openai.APIStatusError):
        what = f"answered HTTP {exc.status_code}: {str(exc.message)[:200]}"
    elif isinstance(exc, openai.APIConnectionError):
        what = "could not be reached"
    else:
        what = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    return EndpointFailed(
        f"endpoint {endpoint.name} ({endpoint.base_url}{path}) {what}",
        hint="check the endpoint is running and the model name is right; nothing was saved",
    )


def chat(endpoint: Endpoint, messages: list[dict[str, str]], limits: Limits, *,
         seed: int | None = None, temperature: float = 0.7) -> ChatAnswer:
    """One chat completion; its text, or EndpointFailed/GenerationUnusable."""
    params: dict[str, Any] = {"temperature": temperature, "n": 1}
    if seed is not None:
        params["seed"] = seed
    try:
        done = _client(endpoint, limits).chat.completions.create(
            model=endpoint.chat_model, messages=messages,  # type: ignore[arg-type]
            **params,
        )
    except (_openai().OpenAIError, httpx.HTTPError, ValueError) as exc:
        raise _failed(endpoint, "/chat/completions", exc) from None
    if not done.choices or not (done.choices[0].message.content or "").strip():
        raise GenerationUnusable(f"endpoint {endpoint.name} answered an empty chat completion",
                                 hint="try again or another model")
    text = str(done.choices[0].message.content).strip()
    return ChatAnswer(text, str(done.model or endpoint.chat_model), params, done.system_fingerprint)


def _fetch(endpoint: Endpoint, url: str, limits: Limits) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise GenerationUnusable(f"endpoint {endpoint.name} returned an image URL that is not http(s)")
    try:
        with httpx.stream("GET", url, timeout=limits.timeout_s, follow_redirects=False) as response:
            response.raise_for_status()
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_image_bytes:
                    raise _too_large(endpoint, size, limits)
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise EndpointFailed(f"image URL of endpoint {endpoint.name} failed: {type(exc).__name__}: {str(exc)[:200]}",
                             hint="check the endpoint serves its image URLs; nothing was saved") from None
    return b"".join(chunks)


def _too_large(endpoint: Endpoint, size: int, limits: Limits) -> GenerationUnusable:
    return GenerationUnusable(
        f"endpoint {endpoint.name} returned an image of {size:,} bytes, above create_max_image_bytes "
        f"({limits.max_image_bytes:,})",
        hint="ask for a smaller size (create_image_size) or raise the limit",
    )


def checked_image(endpoint: Endpoint, data: bytes, limits: Limits) -> tuple[str, int, int]:
    """(mime, width, height) of a generated image, or GenerationUnusable."""
    if len(data) > limits.max_image_bytes:
        raise _too_large(endpoint, len(data), limits)
    kind = sniff(data)
    if kind not in IMAGE_KINDS:
        raise GenerationUnusable(f"endpoint {endpoint.name} returned {kind.value} content, not an image",
                                 hint="point images at an images endpoint (images=MODEL)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > limits.max_image_pixels:
                raise GenerationUnusable(
                    f"endpoint {endpoint.name} returned a {width}x{height} image, above max_image_pixels",
                    hint="ask for a smaller size (create_image_size)")
            img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise GenerationUnusable(f"endpoint {endpoint.name} returned an undecodable image: {exc}") from None
    return IMAGE_KINDS[kind], width, height


def image(endpoint: Endpoint, prompt: str, limits: Limits, *, size: str) -> ImageAnswer:
    """One generated image (b64_json preferred, a URL fetched), checked."""
    if endpoint.image_model is None:
        raise EndpointFailed(f"endpoint {endpoint.name} has no images model",
                             hint="add ?images=MODEL to its create_endpoints entry")
    params: dict[str, Any] = {"n": 1, "size": size, "response_format": "b64_json"}
    try:
        done = _client(endpoint, limits).images.generate(model=endpoint.image_model, prompt=prompt, **params)
    except (_openai().OpenAIError, httpx.HTTPError, ValueError) as exc:
        raise _failed(endpoint, "/images/generations", exc) from None
    if not done.data:
        raise GenerationUnusable(f"endpoint {endpoint.name} answered no image")
    first = done.data[0]
    if first.b64_json:
        try:
            data = base64.b64decode(first.b64_json, validate=True)
        except ValueError:
            raise GenerationUnusable(f"endpoint {endpoint.name} returned b64_json that is not base64") from None
    elif first.url:
        data = _fetch(endpoint, first.url, limits)
    else:
        raise GenerationUnusable(f"endpoint {endpoint.name} answered an image with neither b64_json nor url")
    mime, width, height = checked_image(endpoint, data, limits)
    extra = first.model_extra or {}
    seed = extra.get("seed")
    return ImageAnswer(data, mime, width, height, endpoint.image_model, params, first.revised_prompt,
                       seed if isinstance(seed, int) else None)


def speech(endpoint: Endpoint, text: str, lang: str, limits: Limits) -> SpeechAnswer:
    """Narration of `text`: the speech endpoint when it has a model, else espeak-ng."""
    if endpoint.speech_model is None:
        return espeak(text, lang, limits)
    params: dict[str, Any] = {"voice": endpoint.voice, "response_format": "wav"}
    try:
        done = _client(endpoint, limits).audio.speech.create(
            model=endpoint.speech_model, input=text, voice=endpoint.voice, response_format="wav")
        data = done.read()
    except (_openai().OpenAIError, httpx.HTTPError, ValueError) as exc:
        raise _failed(endpoint, "/audio/speech", exc) from None
    if len(data) > MAX_AUDIO_BYTES or sniff(data) not in AUDIO_KINDS:
        raise GenerationUnusable(f"endpoint {endpoint.name} returned {sniff(data).value} content, not audio",
                                 hint="point speech at a speech endpoint (speech=MODEL)")
    return SpeechAnswer(data, endpoint.speech_model, params)


def espeak(text: str, lang: str, limits: Limits) -> SpeechAnswer:
    """WAV narration by espeak-ng in the language's voice (offline fallback)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise EndpointFailed("espeak-ng is not installed and no speech model is configured",
                             hint="apt-get install espeak-ng, or add ?speech=MODEL to the endpoint")
    voice = ESPEAK_VOICES.get(lang.split("-")[0], "en")
    try:
        done = subprocess.run([exe, "-v", voice, "-s", "165", "--stdout", text], capture_output=True,
                              timeout=limits.timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EndpointFailed(f"espeak-ng failed: {exc}") from None
    if done.returncode != 0 or sniff(done.stdout) != MediaKind.WAV:
        raise EndpointFailed(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}")
    return SpeechAnswer(done.stdout, "espeak-ng", {"voice": voice})
