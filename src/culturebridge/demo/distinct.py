"""Check the demo pack with the copy monitor: different works must not match, planted copies must.

Every rendered media file is fingerprinted by the fingerprint stage and matched against all
the others, as the platform's monitor does on upload. A match between two works is
expected only inside one lineage (an adaptation reuses its source's media) or for a copy
planted on purpose (a media spec with a `transform`, copying another work's picture);
any other match is a false alarm the demo must not show a newcomer.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from culturebridge.demo.media import MediaSpec
from culturebridge.demo.pack import DemoPack, render_many


@dataclass(frozen=True)
class CrossMatch:
    work: str  # the work whose file was matched
    other: str  # the work whose file it matched
    kind: str
    score: float
    planted: bool  # the file is a copy planted on purpose


def related(pack: DemoPack, a: str, b: str) -> bool:
    """Whether two works share a lineage (one derives from the other, or both from one source)."""
    roots = {w.id for w in pack.lineage(a)}
    return bool(roots & {w.id for w in pack.lineage(b)})


def planted_copies(pack: DemoPack) -> dict[str, str]:
    """Media name of each planted copy -> the work it copies."""
    copies: dict[str, str] = {}
    for work in pack.works:
        for spec in work.media:
            if "transform" in spec.params:
                copies[spec.name] = _source_of(pack, spec)
    return copies


def _source_of(pack: DemoPack, copy: MediaSpec) -> str:
    params = {k: v for k, v in copy.params.items() if k not in ("transform", "format")}
    for work in pack.works:
        for spec in work.media:
            if spec.generator == copy.generator and "transform" not in spec.params and {
                k: v for k, v in spec.params.items() if k != "format"
            } == params:
                return work.id
    raise ValueError(f"planted copy {copy.name} copies no media of the pack")


def cross_matches(pack: DemoPack, cache_dir: Path, *, workers: int = 2) -> list[CrossMatch]:
    """Matches between files of different, unrelated works (planted copies flagged as such).

    Files are taken in the order the demo loads them, and each is matched against the files
    before it and then added, as the platform's monitor does with each upload.
    """
    from culturebridge.fingerprint import Library, fingerprint_file

    specs = [(work.id, spec) for work in pack.in_lineage_order() for spec in work.media]
    rendered = render_many([s for _, s in specs], cache_dir, workers=workers)
    copies = planted_copies(pack)
    library = Library()
    out: list[CrossMatch] = []
    with tempfile.TemporaryDirectory(prefix="cb-demo-distinct-") as tmp:
        for (work_id, spec), media in zip(specs, rendered, strict=True):
            path = Path(tmp) / media.filename
            path.write_bytes(media.data)
            fp = fingerprint_file(path)
            for match in library.match(fp):
                if match.work_id == work_id or related(pack, work_id, match.work_id):
                    continue
                planted = copies.get(spec.name) == match.work_id or copies.get(match.asset_id) == work_id
                out.append(CrossMatch(work_id, match.work_id, match.kind, match.score, planted))
            library.add(work_id, spec.name, fp)
            library.rebuild()
    return out
