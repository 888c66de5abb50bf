"""Optional LLM judge over an OpenAI-compatible `/v1/chat/completions` endpoint.

The judge is asked for findings as JSON with quoted evidence; a quote that does not occur
in the item's text or title is dropped (the model may not invent evidence). Findings join
the checks' findings; the decision works without a judge. Endpoint, model and key are
passed explicitly (llama.cpp `llama-server`, vLLM, Ollama, hosted APIs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import JudgeFailed
from culturebridge.review.findings import SEVERITIES, Evidence, Field, Finding, ReviewItem
from culturebridge.review.policy import Policy

NAME = "llm-judge"
_MAX_PROMPT_CHARS = 12_000


@dataclass(frozen=True)
class JudgeConfig:
    base_url: str
    model: str
    api_key: str = "none"
    timeout_s: float = 30.0
    # The findings JSON needs a few hundred tokens. Without a cap, a model that does not
    # follow the prompt generates until its context is full (measured against llama.cpp's
    # server: minutes per item), and a server keeps generating after the client gives up.
    max_tokens: int = 800


def _prompt(item: ReviewItem, card: CanonCard | None, policy: Policy) -> str:
    clauses = "\n".join(f"- {cid}: {t.get('en') or t.get('zh')}" for cid, t in policy.clauses.items())
    canon = ""
    if card is not None:
        traits = "; ".join(
            f"{c.names.get('en') or c.names.get('zh')}: " + ", ".join(t.text.get("en") or t.text.get("zh", "") for t in c.traits)
            for c in card.characters
        )
        canon = (
            f"Source work: {card.titles.get('en') or card.titles.get('zh')}; era: "
            f"{card.era.label.get('en') or card.era.label.get('zh')}{' (mythic)' if card.era.mythic else ''}.\n"
            f"Core character traits: {traits}\n"
        )
    return (
        "You review an AI-made adaptation of a Chinese classic against these clauses:\n"
        f"{clauses}\n{canon}"
        "An adaptation that only adds new plot or declares a modern setting is acceptable.\n"
        'Answer with JSON only: {"findings": [{"clause": "<clause id>", "severity": "low|medium|high", '
        '"quote": "<exact words copied from the text>", "explanation": "<one sentence>"}]}. '
        'Use {"findings": []} when nothing breaks a clause.\n\n'
        f"Title: {item.title}\nText:\n{item.text[:_MAX_PROMPT_CHARS]}"
    )


def parse_findings(content: str, item: ReviewItem, policy: Policy) -> tuple[list[Finding], int]:
    """Findings from the judge's JSON whose quotes occur in the item; with the count dropped."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JudgeFailed(f"the LLM judge did not answer JSON ({exc.msg})", hint="check the model or use a stronger one") from exc
    raw = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise JudgeFailed("the LLM judge's JSON has no 'findings' list", hint="check the model follows the prompt")
    out: list[Finding] = []
    dropped = 0
    for entry in raw:
        if not isinstance(entry, dict):
            dropped += 1
            continue
        quote, clause, severity = entry.get("quote"), entry.get("clause"), entry.get("severity")
        if not isinstance(quote, str) or not quote.strip() or severity not in SEVERITIES:
            dropped += 1
            continue
        quote = quote.strip()
        where: Field | None = "text" if quote in item.text else "title" if quote in item.title else None
        if where is None:
            dropped += 1  # the quote is not in the item: unverifiable evidence is not evidence
            continue
        start = item.field_text(where).index(quote)
        out.append(
            Finding(
                NAME,
                "llm",
                severity,
                Evidence(where, start, start + len(quote), quote),
                str(entry.get("explanation") or "flagged by the LLM judge")[:500],
                clause=clause if isinstance(clause, str) and clause in policy.clauses else next(iter(policy.clauses)),
            )
        )
    return out, dropped


class LLMJudge:
    """Asks an OpenAI-compatible chat endpoint for quoted findings and verifies the quotes."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self.dropped = 0

    def _complete(self, prompt: str) -> str:
        import openai

        client = openai.OpenAI(
            base_url=self.config.base_url, api_key=self.config.api_key, timeout=self.config.timeout_s, max_retries=0
        )
        try:
            with client:
                response = client.chat.completions.create(
                    model=self.config.model,
                    messages=[{"role": "user", "content": prompt}],
                    temperature=0,
                    max_tokens=self.config.max_tokens,
                )
        except openai.APITimeoutError as exc:
            raise JudgeFailed(f"the LLM judge at {self.config.base_url} timed out after {self.config.timeout_s}s",
                              hint="raise the timeout or check the server") from exc
        except openai.APIStatusError as exc:
            raise JudgeFailed(f"the LLM judge answered HTTP {exc.status_code}", hint="check the model name and key") from exc
        except (openai.APIError, ValueError) as exc:
            raise JudgeFailed(f"the LLM judge at {self.config.base_url} failed ({exc})",
                              hint="check base_url points at an OpenAI-compatible /v1") from exc
        content: Any = response.choices[0].message.content if response.choices else None
        if not isinstance(content, str):
            raise JudgeFailed("the LLM judge returned no message content")
        return content

    def judge(self, item: ReviewItem, card: CanonCard | None, policy: Policy) -> list[Finding]:
        """Verified findings for the item (quotes checked against its text)."""
        findings, dropped = parse_findings(self._complete(_prompt(item, card, policy)), item, policy)
        self.dropped += dropped
        return findings
