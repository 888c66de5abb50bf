"""Generating a draft of each kind from the grounding and the brief (endpoint calls, no storage).

- story: a synopsis, episode outline or script in the source language, with the canon facts
  the model says it relied on (`FACT: id` lines, kept only when the card has that fact);
- image: key art or a design from a prompt built from the canon and the brief;
- video: a narration script (one line per scene), a still per scene, narration by the speech
  endpoint or espeak-ng, assembled into a motion comic (`motion_comic`);
- brief: a market adaptation brief — references needing a gloss (glossary + canon), the
  policy clauses that apply, and titles suggested in the market's language.

Text is checked to be in the language asked for (lingua, via the localize stage).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from culturebridge.catalog import CanonCard, Work
from culturebridge.create import client
from culturebridge.create.client import Limits
from culturebridge.create.endpoints import Endpoint
from culturebridge.create.grounding import (
    Grounding,
    characters_named,
    facts_relied_on,
    language_name,
    prompt_hash,
)
from culturebridge.create.motion_comic import Scene, Subtitles, assemble
from culturebridge.errors import GenerationUnusable, InvalidInput
from culturebridge.labels import MediaKind, sniff

Kind = Literal["story", "image", "video", "brief"]
KINDS: tuple[Kind, ...] = ("story", "image", "video", "brief")
StoryForm = Literal["synopsis", "outline", "script"]
STORY_FORMS: tuple[StoryForm, ...] = ("synopsis", "outline", "script")
WORK_KIND: dict[Kind, str] = {"story": "story", "image": "image", "video": "video", "brief": "story"}
MAX_SCENES = 12
_TITLE = re.compile(r"^\s*(?:#+\s*)?TITLE\s*[:：]\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_SCENE = re.compile(r"^\s*(?:SCENE\s*\d*\s*[:：.]|\d+[.)、]|[-*])\s*(.+)$", re.IGNORECASE | re.MULTILINE)

Step = Callable[[str], None]  # reports a step; raises GenerationCancelled when cancelled


@dataclass(frozen=True)
class Options:
    """How to generate: story form, video length and subtitles, seed, temperature, image size."""

    form: StoryForm = "synopsis"
    seconds: int = 30
    scenes: int = 6
    subtitles: Subtitles = "burned"
    seed: int | None = None
    temperature: float = 0.7
    image_size: str = "1024x1024"

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form, "seconds": self.seconds, "scenes": self.scenes, "subtitles": self.subtitles,
                "seed": self.seed, "temperature": self.temperature, "image_size": self.image_size}


@dataclass(frozen=True)
class File:
    name: str
    data: bytes


@dataclass(frozen=True)
class Generated:
    """Everything a draft version holds before it is stored."""

    kind: Kind
    lang: str
    title: str
    text: str  # what review reads as the work's synopsis
    files: tuple[File, ...]
    record: dict[str, Any] = field(default_factory=dict)  # calls made: models, params, seeds, prompt hashes


@dataclass(frozen=True)
class Source:
    """What generation needs of the source work."""

    work: Work
    card: CanonCard | None
    lang: str  # language of the output (the source's, or the market's for a brief)

    @property
    def title(self) -> str:
        return self.work.title(self.lang)


def check_language(text: str, lang: str, what: str) -> None:
    """GenerationUnusable when `text` is clearly in another language than `lang`."""
    from culturebridge.localize import detect_language

    base = lang.split("-")[0]
    letters = sum(map(str.isalpha, text))
    if letters < (4 if base in ("zh", "ja", "ko") else 15):
        return  # too short to tell
    got = detect_language(text)
    if got is not None and got != base and not (base == "zh" and got == "ja" and not re.search(r"[\u3040-\u30ff]", text)):
        raise GenerationUnusable(f"the {what} came back in {got}, not {base} as asked",
                                 hint="use a model that writes this language, or try again")


def _chat(endpoint: Endpoint, system: str, user: str, limits: Limits, options: Options,
          calls: list[dict[str, Any]]) -> str:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    began = time.perf_counter()
    answer = client.chat(endpoint, messages, limits, seed=options.seed, temperature=options.temperature)
    calls.append({"api": "chat.completions", "model": answer.model, "params": answer.params,
                  "prompt_sha256": prompt_hash(messages), "system_fingerprint": answer.system_fingerprint,
                  "elapsed_s": round(time.perf_counter() - began, 4)})
    return answer.text


def _image(endpoint: Endpoint, prompt: str, limits: Limits, options: Options,
           calls: list[dict[str, Any]]) -> client.ImageAnswer:
    began = time.perf_counter()
    answer = client.image(endpoint, prompt, limits, size=options.image_size)
    calls.append({"api": "images.generations", "model": answer.model, "params": answer.params,
                  "prompt_sha256": prompt_hash(prompt), "seed": answer.seed, "revised_prompt": answer.revised_prompt,
                  "elapsed_s": round(time.perf_counter() - began, 4)})
    return answer


def _split_title(text: str, fallback: str) -> tuple[str, str]:
    match = _TITLE.search(text)
    if match is None:
        return fallback, text.strip()
    return match.group(1).strip()[:200], (text[:match.start()] + text[match.end():]).strip()


def _facts_section(card: CanonCard | None, ids: Sequence[str], lang: str) -> str:
    if card is None:
        return ""
    lines = ["", "## Canon relied on", ""]
    by_id = {f.id: f for f in card.facts}
    for fid in ids:
        text = by_id[fid].text
        lines.append(f"- [{fid}] {text.get(lang) or text.get('en') or next(iter(text.values()))}")
    if not ids:
        lines.append("- (the model listed no canon fact)")
    return "\n".join(lines) + "\n"


def story(endpoint: Endpoint, source: Source, grounding: Grounding, brief: str, options: Options,
          limits: Limits, step: Step) -> Generated:
    """A synopsis, outline or script in the source language, with the canon facts relied on."""
    step("writing the story")
    calls: list[dict[str, Any]] = []
    system = (grounding.system_prompt + "\n\n"
              f"Write a {options.form} in {language_name(source.lang)}. Start with a line `TITLE: <title>`. "
              "End with one line `FACT: <fact-id>` for each canon fact above that your text relies on.")
    user = brief.strip() or f"Write a faithful {options.form} of \u201c{source.title}\u201d for a new audience."
    raw = _chat(endpoint, system, user, limits, options, calls)
    facts, body = facts_relied_on(raw, source.card)
    title, body = _split_title(body, f"{source.title} ({options.form})")
    if not body:
        raise GenerationUnusable(f"endpoint {endpoint.name} answered a title but no {options.form}")
    check_language(body, source.lang, options.form)
    named = characters_named(body, source.card)
    doc = f"# {title}\n\n{body}\n{_facts_section(source.card, facts, source.lang)}"
    record = {"calls": calls, "canon_facts": facts, "characters": named, "form": options.form}
    return Generated("story", source.lang, title, body, (File(f"{options.form}.md", doc.encode("utf-8")),), record)


def image_prompt(source: Source, brief: str, scene: str = "") -> str:
    """An image prompt from the canon (title, era, setting, the characters named) and the brief."""
    card = source.card
    parts = [scene or brief or f"Key art for \u201c{source.title}\u201d"]
    if card is not None:
        parts.append(f"from \u201c{card.titles.get('en') or source.title}\u201d")
        era = card.era.label.get("en") or next(iter(card.era.label.values()))
        parts.append(f"era: {era}")
        named = characters_named(f"{scene} {brief}", card) or [c.id for c in card.characters[:1]]
        for cid in named[:3]:
            ch = card.character(cid)
            if ch is not None:
                traits = ", ".join(t.text.get("en") or next(iter(t.text.values())) for t in ch.traits[:2])
                parts.append(f"{ch.names.get('en') or next(iter(ch.names.values()))} ({traits})")
    parts.append("faithful to the original's period costume and spirit; no text, no modern objects")
    return "; ".join(parts)[:3800]


def image(endpoint: Endpoint, source: Source, grounding: Grounding, brief: str, options: Options,
          limits: Limits, step: Step) -> Generated:
    """Key art or a design, generated from the canon-built prompt."""
    step("drawing the image")
    calls: list[dict[str, Any]] = []
    prompt = image_prompt(source, brief)
    answer = _image(endpoint, prompt, limits, options, calls)
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[answer.mime]
    title = f"{source.title} \u2014 {brief.strip()[:60] or 'key art'}"
    text = brief.strip() or f"Key art for {source.title}"
    record = {"calls": calls, "prompt": prompt, "characters": characters_named(prompt, source.card),
              "width": answer.width, "height": answer.height}
    return Generated("image", source.lang, title, text, (File(f"key-art.{ext}", answer.data),), record)


def _scenes(text: str, count: int) -> list[str]:
    lines = [m.group(1).strip() for m in _SCENE.finditer(text)]
    if not lines:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _TITLE.match(ln)]
    return [ln for ln in lines if ln][:count]


def video(endpoint: Endpoint, source: Source, grounding: Grounding, brief: str, options: Options,
          limits: Limits, step: Step) -> Generated:
    """A motion comic: script, a still and narration per scene, assembled with ffmpeg."""
    if not 1 <= options.scenes <= MAX_SCENES or not 5 <= options.seconds <= 600:
        raise InvalidInput(f"a motion comic has 1-{MAX_SCENES} scenes and lasts 5-600 seconds")
    calls: list[dict[str, Any]] = []
    step("writing the script")
    system = (grounding.system_prompt + "\n\n"
              f"Write a motion-comic narration in {language_name(source.lang)}: a line `TITLE: <title>`, then exactly "
              f"{options.scenes} lines `SCENE: <one narration sentence>`, then `FACT: <fact-id>` lines for the canon "
              "facts you relied on.")
    user = brief.strip() or f"A short motion comic retelling a moment of \u201c{source.title}\u201d."
    raw = _chat(endpoint, system, user, limits, options, calls)
    facts, body = facts_relied_on(raw, source.card)
    title, body = _split_title(body, f"{source.title} (motion comic)")
    lines = _scenes(body, options.scenes)
    if not lines:
        raise GenerationUnusable(f"endpoint {endpoint.name} answered no scene lines")
    script = "\n".join(lines)
    check_language(script, source.lang, "narration")
    scenes: list[Scene] = []
    narration: list[dict[str, Any]] = []
    for i, line in enumerate(lines, 1):
        step(f"scene {i}/{len(lines)}: still")
        still = _image(endpoint, image_prompt(source, brief, line), limits, options, calls)
        step(f"scene {i}/{len(lines)}: narration")
        began = time.perf_counter()
        voice = client.speech(endpoint, line, source.lang, limits)
        if sniff(voice.data) not in client.AUDIO_KINDS:
            raise GenerationUnusable("the narration is not audio")
        narration.append({"engine": voice.engine, "params": voice.params, "input_sha256": prompt_hash(line),
                          "elapsed_s": round(time.perf_counter() - began, 4)})
        scenes.append(Scene(still.data, voice.data, line))
    step("assembling the motion comic")
    made = assemble(scenes, seconds=options.seconds, subtitles=options.subtitles, timeout_s=max(120.0, limits.timeout_s))
    if sniff(made.data) != MediaKind.MP4:
        raise GenerationUnusable("ffmpeg did not produce an MP4")
    record = {"calls": calls, "narration": narration, "canon_facts": facts, "script": lines,
              "characters": characters_named(script, source.card), "duration_s": made.duration_s,
              "subtitles": options.subtitles}
    return Generated("video", source.lang, title, script, (File("motion-comic.mp4", made.data),), record)
