"""An OpenAI-compatible chat endpoint as a translation engine (llama-server, vLLM, Ollama, hosted).

One request per segment so a timeout or a refusal costs one segment, never the batch.
The prompt carries the glossary entries matched in the segment, the IP's style notes and
the neighbouring segments; the reply must be the translation alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from culturebridge.localize.segments import NO_CONTEXT, Context, Segment, TermHint, Translation
from culturebridge.localize.translator import rejection

LANGUAGE_NAMES = {"zh": "Chinese", "en": "English", "es": "Spanish", "fr": "French", "ar": "Arabic",
                  "th": "Thai", "ms": "Malay", "ja": "Japanese", "ko": "Korean",
                  "zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese"}


def build_messages(segments: Sequence[Segment], index: int, source: str, target: str,
                   context: Context) -> list[dict[str, str]]:
    """The chat messages for segment `index`: instructions, glossary, style, neighbours."""
    src_name = LANGUAGE_NAMES.get(source, source)
    tgt_name = LANGUAGE_NAMES.get(target, target)
    seg = segments[index]
    lines = [f"You are a literary translator from {src_name} into {tgt_name}.",
             "Reply with the translation of the marked segment only: no notes, no quotes.",
             "Keep placeholders like ⟦0⟧ exactly as they are."]
    hints: tuple[TermHint, ...] = context.hints.get(seg.id, ())
    if hints:
        lines.append("Glossary (use these renderings exactly):")
        lines += [f"- {h.source} => {h.target}" + (f" ({h.note})" if h.note else "") for h in hints]
    if context.forbidden:
        lines.append("Never write: " + "; ".join(context.forbidden))
    if context.style_notes:
        lines.append(f"Style: {context.style_notes}")
    if context.ip:
        lines.append(f"The text belongs to the work '{context.ip}'.")
    before = segments[index - 1].text if index > 0 else ""
    after = segments[index + 1].text if index + 1 < len(segments) else ""
    user = ""
    if before:
        user += f"Previous segment (context only): {before}\n"
    if after:
        user += f"Next segment (context only): {after}\n"
    user += f"Segment to translate:\n{seg.text}"
    return [{"role": "system", "content": "\n".join(lines)}, {"role": "user", "content": user}]


def clean_reply(text: str) -> str:
    """Strip code fences and wrapping quotes some models add."""
    t = text.strip()
    if t.startswith("```") and t.endswith("```"):
        t = t.strip("`").split("\n", 1)[-1].strip()
    pairs = {'"': '"', "'": "'", "“": "”", "「": "」"}
    if len(t) >= 2 and pairs.get(t[0]) == t[-1]:
        t = t[1:-1].strip()
    return t


class OpenAIChatTranslator:
    """Translate through `/v1/chat/completions` with the `openai` SDK and a base URL."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "not-needed", timeout: float = 60.0,
                 max_retries: int = 0, temperature: float = 0.0, max_ratio: float = 12.0) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_ratio = max_ratio
        self.name = f"openai:{model}"
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(base_url=self.base_url, api_key=self.api_key,
                                         timeout=self.timeout, max_retries=self.max_retries)
        return self._client

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """One chat request per segment; timeouts and garbage fail that segment only."""
        return [self._one(segments, i, source, target, context) for i in range(len(segments))]

    def _one(self, segments: Sequence[Segment], i: int, source: str, target: str,
             context: Context) -> Translation:
        import openai

        seg = segments[i]
        why = rejection(seg)
        if why:
            return Translation.failed(seg, self.name, why)
        try:
            resp = self._get_client().chat.completions.create(
                model=self.model, messages=build_messages(segments, i, source, target, context),
                temperature=self.temperature)
        except openai.APITimeoutError:
            return Translation.failed(seg, self.name, f"endpoint {self.base_url} timed out after {self.timeout:g}s")
        except openai.APIConnectionError as exc:
            return Translation.failed(seg, self.name, f"cannot reach endpoint {self.base_url}: {exc}")
        except openai.APIStatusError as exc:
            return Translation.failed(seg, self.name, f"endpoint answered HTTP {exc.status_code}: {exc.message}")
        except (openai.OpenAIError, ValueError) as exc:
            return Translation.failed(seg, self.name, f"endpoint reply is not a chat completion: {exc}")
        try:
            content = resp.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        if not isinstance(content, str) or not content.strip():
            return Translation.failed(seg, self.name, "endpoint returned no translation text")
        text = clean_reply(content)
        if len(text) > self.max_ratio * len(seg.text) + 200:
            return Translation.failed(seg, self.name, f"endpoint reply is {len(text)} characters for a "
                                      f"{len(seg.text)}-character segment: treated as garbage")
        return Translation(seg.id, seg.text, text, self.name, hypotheses=(text,))
