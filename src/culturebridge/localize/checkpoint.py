"""Resumable translation jobs: finished segments persist in a checkpoint as they are done.

A re-run reads the checkpoint and sends only unfinished segments to the engine. A finished
segment is keyed by segment id and a hash of its source text, so an edited source is redone.
Failed segments are not checkpointed: a re-run retries them. `Checkpoint` is the protocol;
the platform keeps localization jobs in the database (`localize.localizations.DbCheckpoint`), and
`JsonlCheckpoint` serves standalone files (the `localize subtitles` command). In the JSONL
file a torn last line (crash mid-write) is ignored; damage elsewhere is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from culturebridge.errors import InvalidInput
from culturebridge.localize.segments import NO_CONTEXT, Context, Issue, Segment, Translation
from culturebridge.localize.translator import Translator


def source_hash(text: str) -> str:
    """Short stable hash of a source text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _to_line(t: Translation) -> str:
    return json.dumps({
        "id": t.segment_id, "hash": source_hash(t.source), "source": t.source, "text": t.text,
        "origin": t.origin, "status": t.status, "hypotheses": list(t.hypotheses),
        "issues": [[i.segment, i.check, list(i.span), i.message, i.severity] for i in t.issues],
    }, ensure_ascii=False)


def _from_line(d: dict[str, object]) -> Translation:
    issues = tuple(Issue(str(a), str(b), (int(c[0]), int(c[1])), str(m), s)
                   for a, b, c, m, s in d.get("issues", []))  # type: ignore[attr-defined]
    return Translation(str(d["id"]), str(d["source"]), None if d["text"] is None else str(d["text"]),
                       str(d["origin"]), d["status"], tuple(d.get("hypotheses", [])), None, issues)  # type: ignore[arg-type]


def read_checkpoint(path: Path) -> dict[tuple[str, str], Translation]:
    """Finished translations keyed by (segment id, source hash)."""
    done: dict[tuple[str, str], Translation] = {}
    if not path.exists():
        return done
    lines = path.read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            t = _from_line(d)
        except (ValueError, KeyError, TypeError) as exc:
            if n >= len(lines) - 1:  # torn final write: that segment is simply redone
                break
            raise InvalidInput(f"checkpoint {path} line {n} is damaged ({exc})",
                               hint="delete the file to start the job afresh") from exc
        done[(t.segment_id, str(d["hash"]))] = t
    return done


@dataclass(frozen=True)
class JobResult:
    """A job's translations in segment order and how many were reused from the checkpoint."""

    translations: list[Translation]
    reused: int
    translated: int


class Checkpoint(Protocol):
    """Where a job's finished segments are kept between runs."""

    def finished(self) -> dict[tuple[str, str], Translation]:
        """Finished translations keyed by (segment id, source hash)."""
        ...

    def save(self, translations: Sequence[Translation]) -> None:
        """Persist a batch of results durably (failed ones may be recorded but are redone)."""
        ...


class JsonlCheckpoint:
    """A checkpoint in a JSON-lines file, appended and fsynced after every batch."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def finished(self) -> dict[tuple[str, str], Translation]:
        """Finished translations read from the file (none if it does not exist)."""
        return read_checkpoint(self.path)

    def save(self, translations: Sequence[Translation]) -> None:
        """Append the non-failed translations and fsync."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            for t in translations:
                if t.status != "failed":
                    f.write(_to_line(t) + "\n")
            f.flush()
            os.fsync(f.fileno())


# Called after each batch with (segments finished so far, segments in the job).
OnBatch = Callable[[int, int], None]


def run_job(translator: Translator, segments: Sequence[Segment], source: str, target: str,
            checkpoint: Checkpoint, context: Context = NO_CONTEXT, batch_size: int = 16,
            on_batch: OnBatch | None = None) -> JobResult:
    """Translate segments in batches, saving finished ones to `checkpoint` as it goes."""
    done = checkpoint.finished()
    results: dict[str, Translation] = {}
    todo: list[Segment] = []
    for s in segments:
        hit = done.get((s.id, source_hash(s.text)))
        if hit is not None and hit.status != "failed":
            results[s.id] = hit
        else:
            todo.append(s)
    reused = len(results)
    for i in range(0, len(todo), batch_size):
        batch = todo[i:i + batch_size]
        out = translator.translate(batch, source, target, context)
        checkpoint.save(out)
        for t in out:
            results[t.segment_id] = t
        if on_batch is not None:
            on_batch(reused + i + len(batch), len(segments))
    return JobResult([results[s.id] for s in segments], reused, len(todo))
