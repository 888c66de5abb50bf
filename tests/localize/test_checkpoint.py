from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.localize.checkpoint import JsonlCheckpoint, read_checkpoint, run_job
from culturebridge.localize.segments import NO_CONTEXT, Context, Segment, Translation


class CountingEngine:
    """Upper-cases text; fails segments containing 'bad' until told otherwise."""

    name = "counting"

    def __init__(self, fail_bad: bool = True) -> None:
        self.seen: list[str] = []
        self.fail_bad = fail_bad

    def translate(self, segments: Sequence[Segment], source: str, target: str,
                  context: Context = NO_CONTEXT) -> list[Translation]:
        self.seen += [s.id for s in segments]
        return [Translation.failed(s, self.name, "boom") if self.fail_bad and "bad" in s.text
                else Translation(s.id, s.text, s.text.upper(), self.name) for s in segments]


def test_rerun_skips_finished_and_retries_failed(tmp_path: Path) -> None:
    ckpt = tmp_path / "job.jsonl"
    segs = [Segment(str(i), f"line {i}" + (" bad" if i == 3 else "")) for i in range(10)]
    first = CountingEngine()
    r1 = run_job(first, segs, "en", "fr", JsonlCheckpoint(ckpt), batch_size=4)
    assert r1.reused == 0 and r1.translated == 10 and r1.translations[3].status == "failed"
    second = CountingEngine(fail_bad=False)
    r2 = run_job(second, segs, "en", "fr", JsonlCheckpoint(ckpt))
    assert second.seen == ["3"] and r2.reused == 9
    assert [t.text for t in r2.translations] == [s.text.upper() for s in segs]


def test_edited_source_is_redone(tmp_path: Path) -> None:
    ckpt = tmp_path / "job.jsonl"
    run_job(CountingEngine(), [Segment("1", "a"), Segment("2", "b")], "en", "fr", JsonlCheckpoint(ckpt))
    engine = CountingEngine()
    run_job(engine, [Segment("1", "a"), Segment("2", "b changed")], "en", "fr", JsonlCheckpoint(ckpt))
    assert engine.seen == ["2"]


def test_torn_last_line_is_redone_but_damage_elsewhere_is_an_error(tmp_path: Path) -> None:
    ckpt = tmp_path / "job.jsonl"
    run_job(CountingEngine(), [Segment("1", "a"), Segment("2", "b")], "en", "fr", JsonlCheckpoint(ckpt))
    lines = ckpt.read_text(encoding="utf-8").splitlines()
    ckpt.write_text(lines[0] + "\n" + lines[1][:20], encoding="utf-8")
    assert len(read_checkpoint(ckpt)) == 1
    ckpt.write_text("{garbage\n" + lines[1] + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 1 is damaged"):
        read_checkpoint(ckpt)
