"""The `Translator` protocol and the wrappers composed around an engine.

A pipeline reads inside-out: `QAChecked(GlossaryEnforcer(glossary, TMTranslator(tm,
engine)))`. Each wrapper does one thing; engines never know about glossaries or memories
beyond the `Context` hints they are handed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from culturebridge.localize.glossary import (
    Glossary,
    Masked,
    Method,
    TermMatch,
    leftover_placeholders,
)
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


@dataclass(frozen=True)
class _Pick:
    """The most compliant hypothesis of one engine answer (scored with throwaway mentions)."""

    method: Method
    masked: Masked
    found: list[TermMatch]
    candidates: list[str]
    restored: list[str]
    index: int
    failing: bool


class GlossaryEnforcer:
    """Masks protected terms, restores renderings, re-ranks n-best, repairs, flags what remains.

    CTranslate2 has no forced decoding: terms are masked with placeholders (`method="mask"`)
    and the n-best re-ranked by compliance. Segments whose best output still misses a term or
    keeps a placeholder are re-sent once, in one batch, with the terms substituted source-side;
    the more compliant result wins (ties keep the masked one). Forbidden variants of the
    segment's terms are then replaced by the approved rendering (`Glossary.repair`), and
    whatever is still missing is flagged. `Translation.term_method` says which path won.

    First mentions (a `transliterate+gloss` term gets its glossed form once) are tracked in
    `mentions`: pass one set per job so the gloss appears once per job, not once per batch;
    seed it with `first_mentions(...)` of the segments a resumed job already finished.
    """

    def __init__(self, glossary: Glossary, inner: Translator, method: Method = "mask",
                 n_best: int = 4, mentions: set[str] | None = None, fallback: bool = True) -> None:
        self.glossary = glossary
        self.inner = inner
        self.method = method
        self.n_best = n_best
        self.fallback = fallback and method == "mask"
        self.mentions = set() if mentions is None else mentions
        self.name = f"glossary+{inner.name}"

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        """Translate with glossary terms protected and compliance-ranked hypotheses."""
        g = self.glossary
        found = {s.id: g.find(s.text, target) for s in segments}
        masked = {s.id: g.mask(s.text, target, self.method, found[s.id]) for s in segments}
        hints = {s.id: g.hints(s.text, target, found[s.id]) for s in segments if found[s.id]}
        ctx = replace(context, hints={**context.hints, **hints},
                      forbidden=context.forbidden + g.forbidden(target),
                      num_hypotheses=max(context.num_hypotheses, self.n_best))
        inner_in = [Segment(s.id, masked[s.id].text) for s in segments]
        results = self.inner.translate(inner_in, source, target, ctx)
        first: dict[str, _Pick] = {}
        for seg, res in zip(segments, results):
            if res.text is not None:
                first[seg.id] = self._pick(res, self.method, masked[seg.id], found[seg.id], target)
        # The substitution fallback: only the failing segments, once, in one batch.
        retry = [s for s in segments if self.fallback and s.id in first and first[s.id].failing]
        second: dict[str, _Pick] = {}
        if retry:
            subst = {s.id: g.mask(s.text, target, "substitute", found[s.id]) for s in retry}
            again = self.inner.translate([Segment(s.id, subst[s.id].text) for s in retry], source, target, ctx)
            for seg, res in zip(retry, again):
                if res.text is not None:
                    second[seg.id] = self._pick(res, "substitute", subst[seg.id], found[seg.id], target)
        out: list[Translation] = []
        for seg, res in zip(segments, results):
            res = replace(res, source=seg.text)
            if res.text is None:
                out.append(res)
                continue
            out.append(self._finish(seg, res, first[seg.id], second.get(seg.id), target))
        return out

    def _pick(self, res: Translation, method: Method, masked: Masked, found: list[TermMatch],
              target: str) -> _Pick:
        # No forced decoding in the engine, so pick the n-best hypothesis that complies most.
        candidates = [res.text or ""] + [h for h in res.hypotheses if h != res.text]
        restore = method == "mask" and bool(masked.terms)
        restored = [self.glossary.restore(h, masked, target, set()) if restore else h for h in candidates]
        index = 0
        if len(restored) > 1:
            scores = [(self._score(t, found, target), -i) for i, t in enumerate(restored)]
            index = -max(scores)[1]
        text = restored[index]
        failing = bool(found) and bool(leftover_placeholders(text) or self.glossary.missing("", text, target, found))
        return _Pick(method, masked, found, candidates, restored, index, failing)

    def _score(self, text: str, found: list[TermMatch], target: str) -> float:
        return self.glossary.compliance("", text, target, found) - 0.5 * len(leftover_placeholders(text))

    def _render(self, seg: Segment, pick: _Pick, hyp: str, target: str, seen: set[str]) -> tuple[str, str]:
        """(final text, method label) of one hypothesis: restored or glossed, then repaired."""
        g = self.glossary
        if pick.method == "mask":
            text = g.restore(hyp, pick.masked, target, seen) if pick.masked.terms else hyp
        else:
            text = g.introduce(seg.text, hyp, target, seen, pick.found)
        repaired = g.repair(seg.text, text, target, seen, pick.found) if pick.found else text
        return repaired, pick.method + ("+repair" if repaired != text else "")

    def _finish(self, seg: Segment, res: Translation, pick: _Pick, alt: _Pick | None, target: str) -> Translation:
        seen = self.mentions
        trial = set(seen)
        text, method = self._render(seg, pick, pick.candidates[pick.index], target, trial)
        chosen = pick
        if alt is not None:
            alt_trial = set(seen)
            alt_text, alt_method = self._render(seg, alt, alt.candidates[alt.index], target, alt_trial)
            if self._score(alt_text, pick.found, target) > self._score(text, pick.found, target):
                text, method, trial, chosen = alt_text, alt_method, alt_trial, alt
        seen.clear()
        seen.update(trial)
        hyps = tuple(text if i == chosen.index else h for i, h in enumerate(chosen.restored))
        issues = tuple(
            Issue(seg.id, "glossary", (m.start, m.end),
                  f"{m.term.source!r} must be rendered {m.term.rendering(target).text!r}")  # type: ignore[union-attr]
            for m in self.glossary.missing(seg.text, text, target, pick.found)
        )
        return replace(res, text=text, hypotheses=hyps, issues=res.issues + issues, term_method=method)


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
