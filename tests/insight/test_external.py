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


def _tiktok(tmp_path: Path, name: str, text: str) -> list[tuple[str, str, str, float]]:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return [(r["dimension"], r["key"], r["metric"], r["value"]) for r in parse_export("tiktok", f)]


def test_tiktok_studio_tabs_in_the_shapes_real_downloads_have(tmp_path: Path) -> None:
    """Header rows as TikTok Studio writes them: quoted, title case or not, dates without a year, "undefined"."""
    overview = _tiktok(tmp_path, "Overview.csv", '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
                                                 '"December 30","0","0","0","0","0"\n"December 31","1441","52","31","2","11"\n')
    assert ("date", "December 31", "views", 1441.0) in overview and len(overview) == 10
    newer = _tiktok(tmp_path, "Overview.csv", "Date,Video views,Profile views,Likes,Comments,Shares,Reached audience,"
                                              "Net growth,New followers,Lost followers,Website clicks \n"
                                              "2026-09-10,20000,300,900,50,70,15400,35,40,5,3\n")
    assert ("date", "2026-09-10", "followers_net", 35.0) in newer and ("date", "2026-09-10", "website_clicks", 3.0) in newer
    viewers = _tiktok(tmp_path, "Viewers.csv", '"Date","Total Viewers","New Viewers","Returning Viewers"\n'
                                               '"28 August","undefined","7","3"\n')
    assert viewers == [("date", "28 August", "new_viewers", 7.0), ("date", "28 August", "returning_viewers", 3.0)]
    history = _tiktok(tmp_path, "FollowerHistory.csv",
                      '"Date","Followers","Difference in followers from previous day"\n"January 1","9","-1"\n')
    assert ("date", "January 1", "followers_net", -1.0) in history
    territories = _tiktok(tmp_path, "FollowerTopTerritories.csv", "Top territories,Distribution\nTH,0.852\nMY,0.003\n")
    assert ("geography", "TH", "follower_share", 0.852) in territories
    content = _tiktok(tmp_path, "Content.csv", "Video title,Post time,Video link,Total views,Total likes,Total comments,"
                                               "Total shares,Average watch time,Reach\n"
                                               '"白蛇传, ep 1",2026-09-10 18:30:00,https://www.tiktok.com/@m/video/73,15400,820,44,63,6.8,\n')
    assert ("content", "白蛇传, ep 1", "views", 15400.0) in content
    assert {m for _, _, m, _ in content} == {"views", "likes", "comments", "shares", "average_view_duration_s"}


def test_a_tiktok_column_nobody_documented_is_refused_by_its_name(tmp_path: Path) -> None:
    import pytest

    from culturebridge.errors import InvalidAnalyticsExport

    with pytest.raises(InvalidAnalyticsExport, match="unexpected column 'Gifts Received'"):
        _tiktok(tmp_path, "Overview.csv", "Date,Video Views,Gifts Received\nDecember 30,1,2\n")
    with pytest.raises(InvalidAnalyticsExport, match="first column 'Gender'"):
        _tiktok(tmp_path, "FollowerGender.csv", "Gender,Distribution\nFemale,0.59\n")
