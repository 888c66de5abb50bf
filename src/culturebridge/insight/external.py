"""Imports of the analytics exports creators already have, kept apart from first-party figures.

Accepted columns (the header must use only these; any other is refused by name):
- YouTube Studio, advanced mode, "Table data.csv" by geography (first column `Geography`)
  or by content (first column `Content`, optionally `Video title`, `Video publish time`,
  `Duration`); metric columns listed in YOUTUBE_METRICS. The "Total" row is kept as the
  dimension "total".
- TikTok analytics download: `Date` (overview, one row a day) or `Country/Region` /
  `Territory` (audience by country), with metric columns in TIKTOK_METRICS.
Every value must be a number (thousands separators, %, a leading $ and h:mm:ss durations are read);
a cell that starts like a spreadsheet formula (=, +, -, @ followed by a non-digit) is refused
naming its line and column. The whole file is stored in one transaction or not at all;
the rows carry `source`, so no page or API mixes them with the platform's own events.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.errors import InvalidAnalyticsExport, InvalidEventFile
from culturebridge.ids import now
from culturebridge.insight._tables import external
from culturebridge.insight.importfile import decoded_lines

YOUTUBE_DIMENSIONS = {"Geography": "geography", "Content": "content"}
YOUTUBE_LABELS = ("Video title", "Video publish time", "Duration")
YOUTUBE_METRICS = {
    "Views": "views", "Watch time (hours)": "watch_time_hours", "Average view duration": "average_view_duration_s",
    "Average percentage viewed (%)": "average_view_percentage", "Subscribers": "subscribers_net",
    "Subscribers gained": "subscribers_gained", "Subscribers lost": "subscribers_lost", "Likes": "likes",
    "Dislikes": "dislikes", "Shares": "shares", "Comments added": "comments", "Impressions": "impressions",
    "Impressions click-through rate (%)": "impressions_ctr", "Engaged views": "engaged_views",
    "Unique viewers": "unique_viewers",
    # Newer exports name the thumbnail figures so, and add audience and revenue columns.
    "Thumbnail impressions": "impressions", "Thumbnail click-through rate (%)": "impressions_ctr",
    "New viewers": "new_viewers", "Returning viewers": "returning_viewers",
    "Average views per viewer": "views_per_viewer",
    "Estimated revenue (USD)": "estimated_revenue_usd", "Your estimated revenue (USD)": "estimated_revenue_usd",
    "RPM (USD)": "rpm_usd", "CPM (USD)": "cpm_usd",
}
TIKTOK_DIMENSIONS = {"Date": "date", "Country/Region": "geography", "Territory": "geography"}
TIKTOK_METRICS = {
    "Video views": "views", "Profile views": "profile_views", "Likes": "likes", "Comments": "comments",
    "Shares": "shares", "Total watch time": "watch_time_s", "Average watch time": "average_view_duration_s",
    "Watched full video (%)": "completion_pct", "Reached audience": "reached_audience",
    "New followers": "followers_net", "Share of viewers (%)": "viewer_share_pct",
}
FORMULA = re.compile(r"^\s*[=+\-@]\D")
MAX_ROWS = 100_000


def _number(text: str, line: int, column: str) -> float:
    value = text.strip().replace(",", "").replace("\u00a0", "").rstrip("%").removeprefix("$")
    if re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", value):
        parts = [int(p) for p in value.split(":")]
        seconds = 0
        for p in parts:
            seconds = seconds * 60 + p
        return float(seconds)
    try:
        return float(value)
    except ValueError as exc:
        raise InvalidAnalyticsExport(f"line {line}, column {column!r}: {text!r} is not a number") from exc


def parse_export(source: str, path: Path) -> list[dict[str, Any]]:
    """Figures of an export: dicts of dimension, key, metric, value (InvalidAnalyticsExport names the problem)."""
    if source not in ("youtube", "tiktok"):
        raise InvalidAnalyticsExport(f"unknown source {source!r}", hint="use youtube or tiktok")
    dims, metrics, labels = ((YOUTUBE_DIMENSIONS, YOUTUBE_METRICS, YOUTUBE_LABELS) if source == "youtube"
                             else (TIKTOK_DIMENSIONS, TIKTOK_METRICS, ()))
    try:
        with path.open("rb") as handle:
            lines = list(decoded_lines(handle))
    except InvalidEventFile as exc:
        raise InvalidAnalyticsExport(exc.message, hint=exc.hint) from exc
    except OSError as exc:
        raise InvalidAnalyticsExport(f"cannot open {path}: {exc.strerror}") from exc
    reader = csv.reader(text for _, text in lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise InvalidAnalyticsExport(f"{path.name} is empty") from exc
    if not header or header[0] not in dims:
        raise InvalidAnalyticsExport(f"line 1: first column {header[0] if header else ''!r} is not one of "
                                     f"{', '.join(dims)}", hint=f"export the table by {' or '.join(dims)}")
    for col in header[1:]:
        if col not in metrics and col not in labels:
            raise InvalidAnalyticsExport(f"line 1: unexpected column {col!r}",
                                         hint="docs/insight.md lists the accepted columns")
    dimension = dims[header[0]]
    out: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if line > MAX_ROWS:
            raise InvalidAnalyticsExport(f"line {line}: more than {MAX_ROWS} rows")
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InvalidAnalyticsExport(f"line {line}: {len(row)} cells where the header has {len(header)}")
        for col, cell in zip(header, row, strict=True):
            if FORMULA.match(cell):
                raise InvalidAnalyticsExport(f"line {line}, column {col!r}: a spreadsheet formula is not data")
        key = row[0].strip()[:200]
        dim = "total" if key.lower() == "total" else dimension
        for col, cell in zip(header[1:], row[1:], strict=True):
            if col in metrics and cell.strip():
                out.append({"dimension": dim, "key": key, "metric": metrics[col], "value": _number(cell, line, col)})
    return out


def import_export(conn: Connection, source: str, path: Path, work_id: str) -> dict[str, Any]:
    """Store an export's figures for a work (caller's transaction)."""
    catalog.get_work(conn, work_id)
    figures = parse_export(source, path)
    stamp = now()
    if figures:
        conn.execute(external.insert(), [{**f, "work_id": work_id, "source": source, "file": path.name[:255],
                                          "imported_at": stamp} for f in figures])
    return {"work_id": work_id, "source": source, "rows": len({(f["dimension"], f["key"]) for f in figures}),
            "figures": len(figures)}
