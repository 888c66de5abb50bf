"""The `Translator` protocol and the wrappers composed around an engine.

A pipeline reads inside-out: `QAChecked(GlossaryEnforcer(glossary, TMTranslator(tm,
engine)))`. Each wrapper does one thing; engines never know about glossaries or memories
beyond the `Context` hints they are handed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from culturebridge.localize.glossary import Glossary, Masked, Method, leftover_placeholders
from culturebridge.localize.memory import TranslationMemory
from culturebridge.localize.segments import NO_CONTEXT, Context, Issue, Segment, Translation

MAX_SEGMENT_CHARS = 2000


class Translator(Protocol):
    """Anything that turns source segments into translations, one per segment, in order."""

    name: str

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Translate each segment; failures come back as `status="failed"` translations."""
        ...


def rejection(segment: Segment, max_chars: int = MAX_SEGMENT_CHARS) -> str | None:
    """Why a segment cannot go to an engine (empty, too long), or None."""
    if not segment.text.strip():
        return f"segment {segment.id!r} is empty: nothing to translate"
    if len(segment.text) > max_chars:
        return f"segment {segment.id!r} has {len(segment.text)} characters (limit {max_chars}): split it into sentences"
    return None


class HumanTranslator:
    """Leaves every segment for a human translator (export with `memory.to_xliff`)."""

    name = "human"

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Every segment comes back `needs_human` with no text."""
        return [Translation(s.id, s.text, None, self.name, "needs_human") for s in segments]


class TMTranslator:
    """Answers from translation memory on exact matches; the rest goes to `inner`."""

    def __init__(self, tm: TranslationMemory, inner: Translator) -> None:
        self.tm = tm
        self.inner = inner
        self.name = f"tm+{inner.name}"

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Exact memory hits are reused; misses are translated by the inner engine."""
        out: dict[str, Translation] = {}
        todo: list[Segment] = []
        for s in segments:
            hit = self.tm.exact(s.text)
            if hit:
                out[s.id] = Translation(s.id, s.text, hit.target, f"tm:{hit.origin}")
            else:
                todo.append(s)
        for t in self.inner.translate(todo, source, target, context) if todo else []:
            out[t.segment_id] = t
        return [out[s.id] for s in segments]


class GlossaryEnforcer:
    """Masks protected terms, restores renderings, re-ranks n-best, flags what remains.

    First mentions (a `transliterate+gloss` term gets its glossed form once) are tracked in
    `mentions`: pass one set per job so the gloss appears once per job, not once per batch;
    seed it with `first_mentions(...)` of the segments a resumed job already finished.
    """

    def __init__(self, glossary: Glossary, inner: Translator, method: Method = "mask",
                 n_best: int = 4, mentions: set[str] | None = None) -> None:
        self.glossary = glossary
        self.inner = inner
        self.method = method
        self.n_best = n_best
        self.mentions = set() if mentions is None else mentions
        self.name = f"glossary+{inner.name}"

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Translate with glossary terms protected and compliance-ranked hypotheses."""
        masked = {s.id: self.glossary.mask(s.text, target, self.method) for s in segments}
        hints = {s.id: self.glossary.hints(s.text, target) for s in segments}
        ctx = replace(context, hints={**context.hints, **hints},
                      forbidden=context.forbidden + self.glossary.forbidden(target),
                      num_hypotheses=max(context.num_hypotheses, self.n_best))
        inner_in = [Segment(s.id, masked[s.id].text) for s in segments]
        results = self.inner.translate(inner_in, source, target, ctx)
        seen = self.mentions
        out: list[Translation] = []
        for seg, res in zip(segments, results):
            res = replace(res, source=seg.text)
            if res.text is None:
                out.append(res)
                continue
            out.append(self._choose(seg, res, masked[seg.id], target, seen))
        return out

    def _choose(self, seg: Segment, res: Translation, masked: Masked, target: str,
                seen: set[str]) -> Translation:
        # REFERENCE §6: no forced decoding, so pick the n-best hypothesis that complies most.
        candidates = [res.text or ""] + [h for h in res.hypotheses if h != res.text]
        best: tuple[float, int] | None = None
        best_text, best_seen = "", seen
        restored_all: list[str] = []
        for i, hyp in enumerate(candidates):
            trial_seen = set(seen)
            text = self.glossary.restore(hyp, masked, target, trial_seen)
            restored_all.append(text)
            score = self.glossary.compliance(seg.text, text, target) - 0.5 * len(leftover_placeholders(text))
            if best is None or (score, -i) > best:
                best, best_text, best_seen = (score, -i), text, trial_seen
        seen.clear()
        seen.update(best_seen)
        issues = tuple(
            Issue(seg.id, "glossary", (m.start, m.end),
                  f"{m.term.source!r} must be rendered {m.term.rendering(target).text!r}")  # type: ignore[union-attr]
            for m in self.glossary.missing(seg.text, best_text, target)
        )
        return replace(res, text=best_text, hypotheses=tuple(restored_all), issues=res.issues + issues)


def first_mentions(glossary: Glossary, done: Sequence[Translation], target: str) -> set[str]:
    """The glossed terms a job's finished translations already introduced (to resume a job)."""
    seen: set[str] = set()
    for t in done:
        if t.text is not None:
            seen |= glossary.mentioned(t.source, target)
    return seen


class QAChecked:
    """Runs the QA checks on every translation and attaches the issues found."""

    def __init__(self, inner: Translator, glossary: Glossary | None = None) -> None:
        self.inner = inner
        self.glossary = glossary
        self.name = f"qa+{inner.name}"

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Translate, then check each segment; issues already reported are not repeated."""
        from culturebridge.localize.qa import check_document

        results = self.inner.translate(segments, source, target, context)
        pairs = [(r.segment_id, r.source, r.text) for r in results if r.text is not None]
        found = check_document(pairs, source, target, self.glossary)
        by_seg: dict[str, list[Issue]] = {}
        for issue in found:
            by_seg.setdefault(issue.segment, []).append(issue)
        out = []
        for r in results:
            known = {(i.check, i.span) for i in r.issues}
            new = tuple(i for i in by_seg.get(r.segment_id, []) if (i.check, i.span) not in known)
            out.append(r.with_issues(new) if new else r)
        return out
