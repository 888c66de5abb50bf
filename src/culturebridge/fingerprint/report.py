"""The HTML report of a scan: each outside file, the registered works it copies, with links.

Each match links the matched work's studio page and, when the rights stage holds a
certificate for the work, its evidence bundle — what a rights holder sends with a takedown
notice. The caller (the CLI) supplies those links as `WorkLink`s. The page is self-contained (inline style, no
scripts) and escapes every value.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from culturebridge.fingerprint.matcher import Evidence, MatchSpan
from culturebridge.fingerprint.scan import ScanResult


@dataclass(frozen=True)
class WorkLink:
    """Where a matched work is shown, and its rights evidence bundle if registered."""

    work_id: str
    title: str
    work_url: str
    bundle_url: str | None


_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:1rem;max-width:60rem}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;"
    "text-align:left;vertical-align:top;word-break:break-word}.error{color:#a00}.none{color:#666}"
)


def _span(span: MatchSpan | None) -> str:
    if span is None:
        return ""
    return (
        f"query {span.query_start:g}–{span.query_end:g}, "
        f"original {span.reference_start:g}–{span.reference_end:g} {span.unit}"
    )


def _why(evidence: Evidence | None) -> str:
    """One line saying why a match was made (method, inliers, region, mirror, frames)."""
    if evidence is None:
        return ""
    parts = [evidence.method]
    if evidence.pdq_distance is not None:
        parts.append(f"PDQ distance {evidence.pdq_distance}")
    if evidence.inliers is not None:
        parts.append(f"{evidence.inliers} inliers")
    if evidence.agreement is not None:
        parts.append(f"colours agree over {evidence.agreement:.0%} of the overlap")
    if evidence.correlation is not None:
        parts.append(f"colour layout correlation {evidence.correlation:.2f}")
    if evidence.region is not None:
        x0, y0, x1, y1 = evidence.region
        parts.append(f"region {x0:.0%}–{x1:.0%} × {y0:.0%}–{y1:.0%} of the original")
    if evidence.angle:
        parts.append(f"turned {evidence.angle:+.1f}°")
    if evidence.mirrored:
        parts.append("mirrored")
    if evidence.frames is not None:
        parts.append(f"{evidence.frames:.0%} of frames")
    if evidence.frames_by is not None:
        named = zip(("PDQ", "keypoints", "colour layout"), evidence.frames_by, strict=True)
        parts.append("matched by " + ", ".join(f"{how} {n}" for how, n in named if n))
    return ", ".join(parts)


def render_report(results: Sequence[ScanResult], links: dict[str, WorkLink], generated: datetime) -> str:
    """The scan report as one HTML page."""
    e = html.escape
    rows = []
    for r in results:
        if r.error is not None:
            rows.append(f'<tr><td>{e(r.file)}</td><td class="error" colspan="4">{e(r.error)}</td></tr>')
            continue
        if not r.matches:
            why = f"no match: unmatchable ({r.unmatchable})" if r.unmatchable else "no match"
            rows.append(f'<tr><td>{e(r.file)}</td><td class="none" colspan="4">{e(why)}</td></tr>')
            continue
        for m in r.matches:
            link = links.get(m.work_id)
            title = e(link.title if link else m.work_id)
            work = f'<a href="{e(link.work_url)}">{title}</a>' if link else title
            evidence = (
                f'<a href="{e(link.bundle_url)}">evidence bundle</a>'
                if link and link.bundle_url
                else '<span class="none">not registered</span>'
            )
            rows.append(
                f"<tr><td>{e(r.file)}</td><td>{work}<br><code>{e(m.work_id)}</code> / <code>{e(m.asset_id)}</code></td>"
                f"<td>{e(m.kind)} {m.score:.2f}<br><small>{e(_why(m.evidence))}</small></td>"
                f"<td>{e(_span(m.span))}</td><td>{evidence}</td></tr>"
            )
    matched = sum(1 for r in results if r.matches)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>culturebridge scan report</title><style>{_STYLE}</style></head><body>"
        f"<h1>Scan report</h1><p>{len(results)} file(s) scanned, {matched} matching registered works; "
        f"generated {e(generated.isoformat(timespec='seconds'))}.</p>"
        "<table><thead><tr><th>File</th><th>Registered work / asset</th><th>Kind, score</th>"
        "<th>Where</th><th>Rights evidence</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>\n"
    )
