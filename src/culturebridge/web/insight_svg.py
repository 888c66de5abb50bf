"""Server-rendered SVG charts for the insight pages: no script, no CDN, readable at 390 px.

Each chart is a `viewBox` drawing that scales to the page width; labels are escaped text.
`csv_text` writes a chart's data for download with formula injection neutralised (OWASP
"CSV Injection": a cell starting with = + - @ tab or CR gets a leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from markupsafe import Markup, escape

W = 360
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568")


def _svg(height: float, body: str, title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {W} {height:.0f}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" style="width:100%;max-width:640px;height:auto">'
        f"<title>{escape(title)}</title>{body}</svg>")


def interval_bars(rows: Sequence[tuple[str, float | None, float | None, float | None]], title: str,
                  top: float = 100.0) -> Markup:
    """Horizontal bars (value) with an interval whisker [low, high]; None draws "not enough data"."""
    row_h, left, right = 26, 70, W - 40
    scale = (right - left) / top if top > 0 else 0.0
    parts = []
    for i, (label, value, low, high) in enumerate(rows):
        y = 8 + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 13}" font-size="11" fill="#718096">n/a</text>')
            continue
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(value, 0) * scale:.1f}" height="14" fill="#90cdf4"/>')
        if low is not None and high is not None:
            x1, x2 = left + low * scale, left + high * scale
            parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + 10}" y2="{y + 10}" stroke="#1a365d" stroke-width="2"/>'
                         f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{y + 5}" y2="{y + 15}" stroke="#1a365d"/>'
                         f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{y + 5}" y2="{y + 15}" stroke="#1a365d"/>')
        parts.append(f'<text x="{W - 4}" y="{y + 13}" font-size="10" text-anchor="end">{value:.1f}</text>')
    return _svg(16 + len(rows) * row_h, "".join(parts), title)


def rank_intervals(rows: Sequence[tuple[str, int, int, int]], n: int, title: str) -> Markup:
    """Each market's rank (dot) and its Monte Carlo 5th-95th percentile interval (line); rank 1 on the left."""
    row_h, left, right = 24, 70, W - 14
    step = (right - left) / max(n - 1, 1)
    parts = [f'<text x="{left + (k - 1) * step:.1f}" y="12" font-size="10" text-anchor="middle">{k}</text>'
             for k in range(1, n + 1)]
    for i, (label, rank, best, worst) in enumerate(rows):
        y = 22 + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">{escape(label)}</text>'
                     f'<line x1="{left + (best - 1) * step:.1f}" x2="{left + (worst - 1) * step:.1f}" y1="{y}" y2="{y}" '
                     f'stroke="#2b6cb0" stroke-width="6" stroke-linecap="round" opacity="0.35"/>'
                     f'<circle cx="{left + (rank - 1) * step:.1f}" cy="{y}" r="5" fill="#1a365d"/>')
    return _svg(30 + len(rows) * row_h, "".join(parts), title)


def curves(series: Sequence[tuple[str, Sequence[float]]], title: str) -> Markup:
    """Retention curves: share of views reaching each position (x 0..100%, y 0..1)."""
    left, right, top, bottom = 34, W - 8, 10, 170
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#a0aec0"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#a0aec0"/>']
    for frac in (0.0, 0.5, 1.0):
        y = bottom - frac * (bottom - top)
        parts.append(f'<text x="{left - 4}" y="{y + 3:.0f}" font-size="9" text-anchor="end">{frac:.0%}</text>')
    for pos in (0, 50, 100):
        x = left + pos / 100 * (right - left)
        parts.append(f'<text x="{x:.0f}" y="{bottom + 12}" font-size="9" text-anchor="middle">{pos}%</text>')
    for k, (label, values) in enumerate(series):
        if not values:
            continue
        color = PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{left + i / (len(values) - 1) * (right - left):.1f},{bottom - v * (bottom - top):.1f}"
                       for i, v in enumerate(values))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>'
                     f'<text x="{right - 4}" y="{top + 12 + 12 * k}" font-size="10" text-anchor="end" '
                     f'fill="{color}">{escape(label)}</text>')
    return _svg(bottom + 18, "".join(parts), title)


def funnel(steps: Sequence[tuple[str, int]], title: str) -> Markup:
    """Funnel bars, each as wide as its count relative to the first step."""
    row_h, left, right = 24, 96, W - 44
    first = max((c for _, c in steps), default=0) or 1
    parts = []
    for i, (label, count) in enumerate(steps):
        y = 6 + i * row_h
        width = count / first * (right - left)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{width:.1f}" height="16" fill="#f6ad55"/>'
                     f'<text x="{left + width + 4:.1f}" y="{y + 14}" font-size="10">{count}</text>')
    return _svg(12 + len(steps) * row_h, "".join(parts), title)


def market_grid(cells: Sequence[tuple[str, float | None]], title: str) -> Markup:
    """One tile per market, shaded by its index (grey: not enough data)."""
    cols, size, gap = 4, 84, 6
    parts = []
    for i, (market, value) in enumerate(cells):
        x, y = (i % cols) * (size + gap) + 2, (i // cols) * (size * 0.6 + gap) + 2
        shade = "#e2e8f0" if value is None else f"hsl(210, 70%, {85 - 0.5 * value:.0f}%)"
        ink = "#1a202c" if value is None or value < 50 else "#ffffff"
        text = "n/a" if value is None else f"{value:.0f}"
        parts.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size * 0.6:.0f}" rx="6" fill="{shade}"/>'
                     f'<text x="{x + size / 2}" y="{y + 20}" font-size="12" text-anchor="middle" fill="{ink}">'
                     f'{escape(market)}</text><text x="{x + size / 2}" y="{y + 40}" font-size="14" '
                     f'text-anchor="middle" font-weight="bold" fill="{ink}">{text}</text>')
    rows = (len(cells) + cols - 1) // cols
    return _svg(max(rows, 1) * (size * 0.6 + gap) + 4, "".join(parts), title)


def neutralise(cell: object) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return repr(cell) if isinstance(cell, float) else str(cell)  # a number is data, even when negative
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV of a chart's data, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return out.getvalue()
