"""Which engine a localization job uses: chosen by the caller, stored with the job, built by the worker.

A spec is plain data (it goes into the job's JSON params and the localization row); the API
key never does: the worker reads it from the settings when it builds the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from culturebridge.errors import ConfigurationError, InvalidInput
from culturebridge.localize.translator import HumanTranslator, Translator
from culturebridge.settings import Settings

EngineKind = Literal["ct2", "openai", "human"]


@dataclass(frozen=True)
class EngineSpec:
    """A CTranslate2 model directory, an OpenAI-compatible endpoint + model, or a human."""

    kind: EngineKind
    model_dir: str = ""
    endpoint: str = ""
    model: str = ""

    @property
    def machine(self) -> bool:
        """True when a machine (not a person) produces the text: the output is AI-generated."""
        return self.kind != "human"

    @property
    def label(self) -> str:
        """A short name for lineage and pages (`ct2:quickmt-zh-en`, `openai:qwen`, `human`)."""
        if self.kind == "ct2":
            return f"ct2:{Path(self.model_dir).name}"
        if self.kind == "openai":
            return f"openai:{self.model}"
        return "human"

    def to_dict(self) -> dict[str, str]:
        """Plain JSON data."""
        return {"kind": self.kind, "model_dir": self.model_dir, "endpoint": self.endpoint, "model": self.model}

    @classmethod
    def from_dict(cls, data: Any) -> EngineSpec:
        """Read a spec written by `to_dict`."""
        if not isinstance(data, dict) or data.get("kind") not in ("ct2", "openai", "human"):
            raise InvalidInput(f"not an engine spec: {data!r}")
        return cls(data["kind"], str(data.get("model_dir", "")), str(data.get("endpoint", "")),
                   str(data.get("model", "")))


def choose_engine(settings: Settings, engine_dir: str | None = None, endpoint: str | None = None,
                  model: str | None = None, human: bool = False) -> EngineSpec:
    """The engine the caller asked for, else the configured one (mt_model_dir, then llm_*)."""
    if sum(bool(x) for x in (engine_dir, endpoint, human)) > 1:
        raise InvalidInput("choose one engine: --engine-dir, --endpoint or --human")
    if human:
        return EngineSpec("human")
    if engine_dir:
        return EngineSpec("ct2", model_dir=str(engine_dir))
    if endpoint:
        if not model:
            raise InvalidInput("--endpoint needs --model (the model name the server expects)")
        return EngineSpec("openai", endpoint=endpoint, model=model)
    if settings.mt_model_dir:
        return EngineSpec("ct2", model_dir=settings.mt_model_dir)
    if settings.llm_base_url and settings.llm_model:
        return EngineSpec("openai", endpoint=settings.llm_base_url, model=settings.llm_model)
    raise ConfigurationError("no translation engine is configured",
                             hint="set mt_model_dir or llm_base_url + llm_model, pass an engine, or use --human")


def build_engine(spec: EngineSpec, settings: Settings, timeout: float = 60.0) -> Translator:
    """Open the engine a spec names (loads the model; nothing is downloaded)."""
    if spec.kind == "ct2":
        from culturebridge.localize.ct2_engine import CTranslate2Translator

        return CTranslate2Translator(Path(spec.model_dir))
    if spec.kind == "openai":
        from culturebridge.localize.openai_engine import OpenAIChatTranslator

        return OpenAIChatTranslator(spec.endpoint, spec.model, api_key=settings.llm_api_key or "not-needed",
                                    timeout=timeout)
    return HumanTranslator()
