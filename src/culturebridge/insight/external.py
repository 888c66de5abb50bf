"""Imports of the analytics exports creators already have, kept apart from first-party figures.

Accepted columns (the header must use only these; any other is refused by name):
- YouTube Studio, advanced mode, "Table data.csv" by geography (first column `Geography`)
  or by content (first column `Content`, optionally `Video title`, `Video publish time`,
  `Duration`); metric columns listed in YOUTUBE_METRICS. The "Total" row is kept as the
  dimension "total".
- TikTok Studio's download, one CSV per tab: `Date` (Overview.csv, FollowerHistory.csv,
  Viewers.csv: one row a day, often without a year, e.g. "December 30"), `Top territories`
  / `Country/Region` / `Territory` (audience by country), or `Video title` / `Video link`
  (Content.csv: one row a video, with `Post time`), with metric columns in TIKTOK_METRICS.
Column names are matched without regard to case (TikTok writes both "Video Views" and
"Video views"). Every value must be a number (thousands separators, %, a leading $ and
h:mm:ss durations are read); TikTok's "undefined" (a figure it does not have) is skipped;
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
TIKTOK_DIMENSIONS = {"Date": "date", "Country/Region": "geography", "Territory": "geography",
                     "Top territories": "geography", "Video title": "content", "Video link": "content"}
TIKTOK_LABELS = ("Video title", "Video link", "Post time")
TIKTOK_METRICS = {
    # Overview.csv (the first six in every vintage; the rest in newer ones)
    "Video views": "views", "Profile views": "profile_views", "Likes": "likes", "Comments": "comments",
    "Shares": "shares", "Reached audience": "reached_audience", "Net growth": "followers_net",
    "New followers": "followers_gained", "Lost followers": "followers_lost", "Website clicks": "website_clicks",
    "Phone clicks": "phone_clicks", "Leads": "leads",
    # FollowerHistory.csv, Viewers.csv, FollowerTopTerritories.csv (a fraction of followers)
    "Followers": "followers", "Difference in followers from previous day": "followers_net",
    "Total viewers": "unique_viewers", "New viewers": "new_viewers", "Returning viewers": "returning_viewers",
    "Distribution": "follower_share",
    # Content.csv
    "Total views": "views", "Total likes": "likes", "Total comments": "comments", "Total shares": "shares",
    "Total saves": "saves", "Reach": "reached_audience", "Average watch time": "average_view_duration_s",
    "Total watch time": "watch_time_s", "Watched full video (%)": "completion_pct",
    "Share of viewers (%)": "viewer_share_pct",
}
MISSING = ("undefined",)  # TikTok's cell for a figure it does not have
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


def _folded(dims: dict[str, str], metrics: dict[str, str], labels: tuple[str, ...]
            ) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    return ({k.casefold(): v for k, v in dims.items()}, {k.casefold(): v for k, v in metrics.items()},
            tuple(k.casefold() for k in labels))


def parse_export(source: str, path: Path) -> list[dict[str, Any]]:
    """Figures of an export: dicts of dimension, key, metric, value (InvalidAnalyticsExport names the problem)."""
    if source not in ("youtube", "tiktok"):
        raise InvalidAnalyticsExport(f"unknown source {source!r}", hint="use youtube or tiktok")
    dims, metrics, labels = _folded(*((YOUTUBE_DIMENSIONS, YOUTUBE_METRICS, YOUTUBE_LABELS) if source == "youtube"
                                      else (TIKTOK_DIMENSIONS, TIKTOK_METRICS, TIKTOK_LABELS)))
    try:
        with path.open("rb") as handle:
            lines = list(decoded_lines(handle))
    except InvalidEventFile as exc:
        raise InvalidAnalyticsExport(exc.message, hint=exc.hint) from exc
    except OSError as exc:
        raise InvalidAnalyticsExport(f"cannot open {path}: {exc.strerror}") from exc
    reader = csv.reader(text for _, text in lines)
    try:
        named = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise InvalidAnalyticsExport(f"{path.name} is empty") from exc
    header = [h.casefold() for h in named]
    if not header or header[0] not in dims:
        accepted = ", ".join(YOUTUBE_DIMENSIONS if source == "youtube" else TIKTOK_DIMENSIONS)
        raise InvalidAnalyticsExport(f"line 1: first column {named[0] if named else ''!r} is not one of {accepted}",
                                     hint=f"export the table by {accepted.replace(', ', ' or ')}")
    for col, name in zip(header[1:], named[1:], strict=True):
        if col not in metrics and col not in labels:
            raise InvalidAnalyticsExport(f"line 1: unexpected column {name!r}",
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
        for name, cell in zip(named, row, strict=True):
            if FORMULA.match(cell):
                raise InvalidAnalyticsExport(f"line {line}, column {name!r}: a spreadsheet formula is not data")
        key = row[0].strip()[:200]
        dim = "total" if key.lower() == "total" else dimension
        for col, name, cell in zip(header[1:], named[1:], row[1:], strict=True):
            if col in metrics and cell.strip() and cell.strip().casefold() not in MISSING:
                out.append({"dimension": dim, "key": key, "metric": metrics[col], "value": _number(cell, line, name)})
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
