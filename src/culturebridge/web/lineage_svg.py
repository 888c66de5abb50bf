"""Draw a lineage graph as inline SVG (server-side, so it works without scripts or a CDN).

A viewer sees the shape of the whole graph but only the works they may view: every other
node becomes "a private work" with a placeholder id (`private-1`, ...), so neither its
title nor its id reaches the page, the SVG or the JSON.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from culturebridge.accounts import User
from culturebridge.catalog import Lineage, can_view, layout
from culturebridge.web.i18n import translator

PRIVATE_PREFIX = "private-"


def viewable(graph: Lineage, viewer: User) -> Lineage:
    """The graph with every work `viewer` may not view replaced by an anonymous placeholder."""
    renamed: dict[str, str] = {}
    for work_id, work in graph.works.items():
        if not can_view(viewer, work):
            renamed[work_id] = f"{PRIVATE_PREFIX}{len(renamed) + 1}"
    if not renamed:
        return graph
    works = {
        renamed.get(wid, wid): (
            replace(w, id=renamed[wid], titles={}, synopses={}, owner_id="", rights_holder="", ip_id=None, markets=())
            if wid in renamed else w
        )
        for wid, w in graph.works.items()
    }
    edges = tuple(
        replace(e, id=f"{PRIVATE_PREFIX}edge-{n}" if e.source_id in renamed or e.derived_id in renamed else e.id,
                source_id=renamed.get(e.source_id, e.source_id), derived_id=renamed.get(e.derived_id, e.derived_id),
                tool=None if e.source_id in renamed or e.derived_id in renamed else e.tool)
        for n, e in enumerate(graph.edges, 1)
    )
    return Lineage(renamed.get(graph.focus, graph.focus), works, edges)


def is_private(work_id: str) -> bool:
    return work_id.startswith(PRIVATE_PREFIX)

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 200, 56, 70, 24, 12


def lineage_svg(graph: Lineage, lang: str) -> str:
    """An SVG of works as boxes by generation, derivation edges as labelled arrows."""
    placed = {p.work_id: p for p in layout(graph)}

    def pos(work_id: str) -> tuple[int, int]:
        p = placed[work_id]
        return PAD + p.column * (NODE_W + GAP_X), PAD + p.row * (NODE_H + GAP_Y)

    cols = max((p.column for p in placed.values()), default=0) + 1
    rows = max((p.row for p in placed.values()), default=0) + 1
    width = PAD * 2 + cols * NODE_W + (cols - 1) * GAP_X
    height = PAD * 2 + rows * NODE_H + (rows - 1) * GAP_Y
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="group" viewBox="0 0 {width} {height}" '
         # a group, not an image: its nodes are links (WCAG 4.1.2, axe nested-interactive)
         f'width="{width}" height="{height}" aria-label="{"衍生关系图" if lang == "zh" else "lineage graph"}">'),
        ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
         'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a5a2b"/></marker></defs>'),
    ]
    for edge in graph.edges:
        if edge.source_id not in placed or edge.derived_id not in placed:
            continue
        x1, y1 = pos(edge.source_id)
        x2, y2 = pos(edge.derived_id)
        sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
        label = edge.kind + (" · AI" if edge.ai_generated else "")
        parts.append(
            f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" stroke="#8a5a2b" stroke-width="1.5" '
            f'marker-end="url(#arrow)"/>'
            f'<text x="{(sx + ex) / 2:.0f}" y="{(sy + ey) / 2 - 4:.0f}" font-size="10" text-anchor="middle" '
            f'fill="#5a3a1b">{escape(label)}</text>'
        )
    private_label = translator(lang)("lineage.private")
    for work_id, work in graph.works.items():
        if work_id not in placed:
            continue
        x, y = pos(work_id)
        focus = work_id == graph.focus
        if is_private(work_id):
            parts.append(
                f'<g class="node private"><rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" '
                f'fill="#eeeeee" stroke="#999999" stroke-dasharray="4 3"/>'
                f'<text x="{x + 10}" y="{y + 32}" font-size="13" fill="#555555">{escape(private_label)}</text></g>'
            )
            continue
        title = work.title(lang)
        short = title if len(title) <= 24 else title[:23] + "…"
        parts.append(
            f'<a href="/studio/works/{escape(work_id)}"><g class="node{" focus" if focus else ""}" '
            f'data-work="{escape(work_id)}">'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" '
            f'fill="{"#fbe3c4" if focus else "#fffaf2"}" stroke="{"#c0392b" if focus else "#8a5a2b"}" '
            f'stroke-width="{2 if focus else 1}"/>'
            f'<text x="{x + 10}" y="{y + 22}" font-size="13" fill="#2b1d0e">{escape(short)}</text>'
            f'<text x="{x + 10}" y="{y + 42}" font-size="10" fill="#6b5a48">{escape(work.kind)}'
            f'{" · AI" if work.ai_generated else ""} · {escape(work_id)}</text></g></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
