"""Server-rendered SVG bar charts for the audit report: no script, no CDN, scales to a phone.

Horizontal bars: one block per group (a topic), one bar per series (an endpoint x language),
values in [0, 1] drawn against a fixed 0..1 axis so charts of two runs compare by eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
WIDTH = 360
LABEL = 120
BAR = 9
GAP = 3
GROUP_GAP = 12


def bar_chart(title: str, groups: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
              *, chart_id: str = "") -> str:
    """An SVG of `series` (label, one value per group in [0, 1], None = no data) per group."""
    plot = WIDTH - LABEL - 40
    legend_rows = (len(series) + 1) // 2
    height = 24 + len(groups) * (len(series) * (BAR + GAP) + GROUP_GAP) + legend_rows * 14 + 16
    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" class="chart"{ident} '
            f'aria-label="{escape(title)}">'),
           f'<title>{escape(title)}</title>',
           f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    y = 24
    for gi, group in enumerate(groups):
        block = len(series) * (BAR + GAP)
        out.append(f'<text x="0" y="{y + block / 2 + 4:.0f}" font-size="10">{escape(group[:22])}</text>')
        for si, (label, values) in enumerate(series):
            value = values[gi] if gi < len(values) else None
            colour = PALETTE[si % len(PALETTE)]
            yy = y + si * (BAR + GAP)
            if value is None:
                out.append(f'<text x="{LABEL}" y="{yy + BAR - 1}" font-size="8" fill="#888">–</text>')
                continue
            w = max(0.0, min(1.0, value)) * plot
            out.append(f'<rect x="{LABEL}" y="{yy}" width="{w:.1f}" height="{BAR}" fill="{colour}">'
                       f'<title>{escape(label)}: {value:.2f}</title></rect>'
                       f'<text x="{LABEL + w + 3:.1f}" y="{yy + BAR - 1}" font-size="8">{value:.2f}</text>')
        y += block + GROUP_GAP
        if gi < len(groups) - 1:
            out.append(f'<line x1="0" x2="{WIDTH}" y1="{y - GROUP_GAP / 2:.0f}" y2="{y - GROUP_GAP / 2:.0f}" '
                       'stroke="#ddd" stroke-width="0.5"/>')
    for si, (label, _) in enumerate(series):
        lx, ly = (si % 2) * (WIDTH // 2), y + (si // 2) * 14 + 4
        out.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{PALETTE[si % len(PALETTE)]}"/>'
                   f'<text x="{lx + 14}" y="{ly + 9}" font-size="10">{escape(label[:28])}</text>')
    out.append("</svg>")
    return "".join(out)
