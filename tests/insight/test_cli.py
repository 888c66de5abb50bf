"""The insight and events commands, end to end on a data directory."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.cli import main
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_work
from tests.insight.conftest import audience


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, str]:
    settings = Settings(data_dir=tmp_path / "data")
    platform: Platform
    platform, _ = init_platform(settings, "admin", "password-for-tests")
    with platform.db.write() as conn:
        work = make_work(conn, get_user_by_name(conn, "admin")).id
    platform.close()
    return tmp_path / "data", work


def _lines(work: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for market, completion in (("US/en", 0.8), ("FR/fr", 0.3)):
        for e in audience(work, market, 220, completion, seed=len(market) + int(completion * 10)):
            row: dict[str, object] = {"event_id": e.event_id, "viewer": e.viewer_id, "market": e.market, "work": work,
                                      "type": e.type, "at": e.at.isoformat().replace("+00:00", "Z")}
            if e.watch_fraction is not None:
                row["watch_fraction"] = e.watch_fraction
            rows.append(row)
    return rows


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_jsonl_then_index_and_work(data: tuple[Path, str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "events.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in _lines(work)) + "\n", encoding="utf-8")
    code, out, err = _run(capsys, "--data-dir", str(root), "events", "import", str(f), "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["stored"] == first["lines"] > 800 and first["duplicates"] == 0
    code, out, _ = _run(capsys, "--data-dir", str(root), "events", "import", str(f), "--json")
    assert json.loads(out)["stored"] == 0  # idempotent by event id
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "index", "--json")
    index = json.loads(out)
    assert [m["market"] for m in index["markets"]] == ["US/en", "FR/fr"]
    assert index["markets"][0]["rank"] == 1 and index["markets"][0]["enough_data"] is True
    weights = tmp_path / "w.yaml"
    weights.write_text("reach: 0\nresonance: 0\ninfluence: 1\n", encoding="utf-8")
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "index", "--weights", str(weights), "--json")
    assert code == 0 and json.loads(out)["methodology"]["weights"]["reach"]["weight"] == 0
    weights.write_text("charm: 2\n", encoding="utf-8")
    code, _, err = _run(capsys, "--data-dir", str(root), "insight", "index", "--weights", str(weights))
    assert code == 2 and "charm" in err
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "work", work, "--json")
    report = json.loads(out)
    us = next(m for m in report["first_party"] if m["market"] == "US/en")
    assert us["funnel"]["views"] == 220 and us["retention"][0] == 1.0
    assert us["rates"]["completion"]["ci"][0] <= us["rates"]["completion"]["value"] <= us["rates"]["completion"]["ci"][1]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_csv_import_handles_bom_and_utf16(data: tuple[Path, str], tmp_path: Path, encoding: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "events.csv"
    body = "event_id,viewer,market,work,type,watch_fraction,at,text\n" \
           f"evt-csv-0001,ann,US/en,{work},view,0.95,2026-11-02T08:00:00Z,\n" \
           f'evt-csv-0002,ann,US/en,{work},comment,,2026-11-02T08:01:00Z,"great, 很好"\n'
    f.write_bytes(body.encode(encoding))
    code, out, err = _run(capsys, "--data-dir", str(root), "events", "import", str(f), "--json")
    assert code == 0, err
    assert json.loads(out)["stored"] == 2


@pytest.mark.parametrize(("body", "words"), [
    ("event_id,viewer,market,work,type,at,colour\n", "line 1: unexpected column 'colour'"),
    ("event_id,viewer,market,work,type,at\nevt-bad-0001,ann,US/en,{w},view,2026-11-02\n", "line 2: a view needs"),
    ("event_id,viewer,market,work,type,at\nevt-bad-0001,ann,US/en,w-nope,like,2026-11-02\n",
     "line 2: work 'w-nope' does not exist"),
    (("event_id,viewer,market,work,type,at\nevt-ok-00001,ann,US/en,{w},like,2026-11-02\n"
      "=cmd|' /C calc'!A0,ann,US/en,{w},like,2026-11-02\n"), "line 3: event_id"),
])
def test_bad_csv_names_the_line_and_imports_nothing(data: tuple[Path, str], tmp_path: Path, body: str, words: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "bad.csv"
    f.write_text(body.replace("{w}", work), encoding="utf-8")
    code, _, err = _run(capsys, "--data-dir", str(root), "events", "import", str(f))
    assert code == 2 and words in err, err
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "index", "--json")
    assert json.loads(out)["markets"] == []  # nothing partially imported


def test_mixed_encoding_is_named(data: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "mixed.jsonl"
    good = json.dumps({"event_id": "evt-mix-0001", "viewer": "ann", "market": "US/en", "work": work,
                       "type": "comment", "at": "2026-11-02T08:00:00Z", "text": "très bien"}, ensure_ascii=False)
    f.write_bytes(good.encode("utf-8") + b"\n" + good.replace("0001", "0002").encode("latin-1") + b"\n")
    code, _, err = _run(capsys, "--data-dir", str(root), "events", "import", str(f))
    assert code == 2 and "line 2: not valid UTF-8" in err


def test_youtube_export_import_and_refusals(data: tuple[Path, str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "Table data.csv"
    f.write_bytes(codecs.BOM_UTF8 + b"Geography,Views,Watch time (hours),Average view duration,Average percentage viewed (%)\n"
                  b"Total,\"1,204\",50.2,0:02:30,41.5\nUS,900,40,0:02:40,44\nFR,304,10.2,0:02:00,33%\n")
    code, out, err = _run(capsys, "--data-dir", str(root), "insight", "import", "youtube", str(f), "--work", work, "--json")
    assert code == 0, err
    assert json.loads(out) == {"work_id": work, "source": "youtube", "rows": 3, "figures": 12}
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "work", work, "--json")
    ext = json.loads(out)["external"]
    assert {"source": "youtube", "dimension": "total", "key": "Total", "metric": "views", "value": 1204.0,
            "file": "Table data.csv"} in ext
    f.write_text("Geography,Views,Mood\nUS,1,2\n", encoding="utf-8")
    code, _, err = _run(capsys, "--data-dir", str(root), "insight", "import", "youtube", str(f), "--work", work)
    assert code == 2 and "unexpected column 'Mood'" in err
    f.write_text("Geography,Views\nUS,=cmd|' /C calc'!A0\n", encoding="utf-8")
    code, _, err = _run(capsys, "--data-dir", str(root), "insight", "import", "youtube", str(f), "--work", work)
    assert code == 2 and "line 2, column 'Views': a spreadsheet formula" in err


def test_tiktok_export_by_country(data: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    f = tmp_path / "tiktok.csv"
    f.write_bytes("Country/Region,Video views,Likes,Watched full video (%)\nTH,1200,88,31.5%\nMY,300,12,22%\n"
                  .encode("utf-16"))
    code, out, err = _run(capsys, "--data-dir", str(root), "insight", "import", "tiktok", str(f), "--work", work, "--json")
    assert code == 0, err
    assert json.loads(out)["figures"] == 6
    code, _, err = _run(capsys, "--data-dir", str(root), "insight", "import", "vimeo", str(f), "--work", work)
    assert code == 2 and "unknown source 'vimeo'" in err


def test_experiment_and_discount_commands(data: tuple[Path, str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, work = data
    from culturebridge.platform import open_platform

    platform = open_platform(Settings(data_dir=root))
    with platform.db.write() as conn:
        other = make_work(conn, get_user_by_name(conn, "admin"), title="另一版").id
    platform.close()
    code, out, err = _run(capsys, "--data-dir", str(root), "insight", "experiment", "create", work, "--market", "US/en",
                          "--a", work, "--b", other, "--json")
    assert code == 0, err
    exp = json.loads(out)["id"]
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "experiment", "show", exp, "--json")
    shown = json.loads(out)
    assert shown["status"] == "running" and shown["decision"] == "no difference yet" and shown["interval"] is None
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "experiment", "list")
    assert exp in out and "running" in out
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "discount", "--json")
    assert code == 0 and json.loads(out) == {"works": [], "summary": {"variant": {}, "ip": {}, "kind": {}}}
    code, out, _ = _run(capsys, "--data-dir", str(root), "insight", "rebuild")
    assert code == 0 and "rolled up 0 event(s)" in out
