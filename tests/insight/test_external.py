"""Platform exports in the shapes creators download them: newer YouTube Studio content tables."""

from __future__ import annotations

from pathlib import Path

from culturebridge.insight.external import parse_export


def test_a_content_table_with_thumbnail_revenue_and_returning_viewer_columns(tmp_path: Path) -> None:
    f = tmp_path / "Table data.csv"
    f.write_text(
        "Content,Video title,Video publish time,Duration,New viewers,Returning viewers,Views,Watch time (hours),"
        "Subscribers,Estimated revenue (USD),Thumbnail impressions,Thumbnail click-through rate (%)\r\n"
        "Total,,,,310,95,\"12,400\",901.25,37,$18.40,\"210,000\",5.9\r\n"
        "x1Yz-AbC_9q,\"Red Cliffs, part 1\",\"Jan 6, 2024\",2496,200,60,\"8,000\",600.5,30,$12.00,\"150,000\",5.33\r\n",
        encoding="utf-8")
    figures = {(r["key"], r["metric"]): r["value"] for r in parse_export("youtube", f)}
    assert figures[("Total", "views")] == 12400.0
    assert figures[("x1Yz-AbC_9q", "impressions")] == 150000.0
    assert figures[("x1Yz-AbC_9q", "impressions_ctr")] == 5.33
    assert figures[("x1Yz-AbC_9q", "estimated_revenue_usd")] == 12.0
    assert figures[("x1Yz-AbC_9q", "returning_viewers")] == 60.0
    assert ("x1Yz-AbC_9q", "title") not in figures  # labels are not figures
