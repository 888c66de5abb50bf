"""The studio at scale: the works list (filters, search, deep pages) and the admin's home page.

Builds a platform holding N works (titles and synopses in Chinese and English, indexed by
the real `catalog.search` segmentation), stage states, assets with label checks, review
items, copy conflicts and M background jobs, then times the real pages in-process through
the ASGI app (server time: routing, queries and template rendering; no network).
Targets (issue #18): works list p95 <= 150 ms at 100,000 works; admin home p95 <= 200 ms at
100,000 works and 1,000,000 jobs; on SQLite and PostgreSQL.

    python bench/studio.py [--works 100000] [--jobs 1000000] [--quick] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from culturebridge.accounts import create_user
from culturebridge.catalog.search import index_terms, sort_key
from culturebridge.pipeline import init_platform
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.web import create_app

PASSWORD = "bench-password"
ZH = ["孙悟空", "白骨精", "唐僧", "猪八戒", "沙僧", "观音", "火焰山", "芭蕉扇", "花果山", "水帘洞", "剪纸", "皮影", "京剧", "脸谱", "昆曲", "茶山", "灯笼", "兔子", "龙", "书院", "红楼梦", "贾宝玉", "林黛玉", "诸葛亮", "赤壁", "曹操", "刘备", "关羽", "张飞", "梁山", "宋江", "武松", "景阳冈", "老虎", "长安", "西行", "妖怪", "师徒", "故事", "传说", "非遗", "手艺", "山水", "月亮", "春节", "中秋", "端午", "书信", "少年", "少女", "母亲", "村庄", "江南", "丝绸", "瓷器", "茶叶", "戏曲", "舞台", "面具", "英雄"]
EN = ["monkey", "king", "demon", "monk", "pilgrim", "journey", "west", "mountain", "fire", "fan", "cave", "paper", "cut", "shadow", "play", "opera", "mask", "tea", "lantern", "rabbit", "dragon", "academy", "dream", "red", "chamber", "battle", "cliffs", "river", "marsh", "heroes", "tiger", "letters", "village", "silk", "porcelain", "festival", "moon", "spring", "autumn", "mother", "boy", "girl", "story", "legend", "craft"]
KINDS = ("story", "image", "audio", "video", "heritage", "micro-drama-episode")
MARKETS = ("US/en", "FR/fr", "TH/th", "JP/ja", "DE/de")
STAGES = ("rights", "fingerprint", "labels", "review", "localize", "feed")
STATES = ("done", "done", "done", "running", "failed", "skipped")
CREATORS = 50


# --- building the data ---------------------------------------------------------------------


def build(platform: Platform, works: int, jobs: int, log: Callable[[str], None]) -> None:
    rng = random.Random(18)
    start = time.perf_counter()
    with platform.db.write() as conn:
        creators = [create_user(conn, f"maker{i:02d}", PASSWORD, "creator").id for i in range(CREATORS)]
        create_user(conn, "rita", PASSWORD, "reviewer")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    work_rows: list[dict[str, Any]] = []
    term_rows: list[dict[str, Any]] = []
    pieces: dict[str, set[str]] = {}

    def terms_of(words: list[str]) -> set[str]:
        # index_terms over text whose pieces are split by punctuation or spaces is the union of
        # the pieces' terms (catalog.search cuts at non-word characters first), so cache per piece.
        for word in words:
            if word not in pieces:
                pieces[word] = index_terms([word])
        return set().union(*(pieces[w] for w in words))

    for i in range(works):
        zh_title, zh_syn = rng.sample(ZH, 3), rng.sample(ZH, 10)
        en_title, en_syn = rng.sample(EN, 3), rng.sample(EN, 14)
        pairs = [zh_title[:2], zh_syn[:2], zh_syn[2:5], zh_syn[5:]]  # some pieces are two or three words
        titles = {"zh": "".join(zh_title[:2]) + "·" + zh_title[2], "en": " ".join(en_title).title()}
        synopses = {"zh": "，".join("".join(p) for p in pairs[2:]) + "。" + "".join(zh_syn[:2]), "en": " ".join(en_syn)}
        wid = f"w-{i:08d}"
        work_rows.append({
            "id": wid, "kind": KINDS[i % len(KINDS)], "original_language": "zh", "titles": json.dumps(titles, ensure_ascii=False),
            "synopses": json.dumps(synopses, ensure_ascii=False), "owner_id": creators[i % CREATORS], "rights_holder": "bench",
            "ip_id": None, "markets": json.dumps(rng.sample(MARKETS, 2)), "ai_generated": i % 4 == 0,
            "search_text": "", "created_at": base + timedelta(seconds=i * 7), "updated_at": base + timedelta(seconds=i * 7),
            "sort_title": sort_key(titles, "zh"),
        })
        found = terms_of(["".join(zh_title[:2]), zh_title[2], "".join(zh_syn[:2]), "".join(zh_syn[2:5]),
                          "".join(zh_syn[5:]), *(w.lower() for w in en_title), *en_syn])
        if i < 200:  # the shortcut gives exactly what the index stores
            assert found == index_terms([*titles.values(), *synopses.values()]), wid
        term_rows += [{"term": t, "work_id": wid} for t in found]
    log(f"  generated {works:,} works and {len(term_rows):,} index terms in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    with platform.db.write() as conn:
        insert = text(
            "INSERT INTO works (id, kind, original_language, titles, synopses, owner_id, rights_holder, ip_id, markets, "
            "ai_generated, search_text, created_at, updated_at, sort_title) VALUES (:id, :kind, :original_language, "
            ":titles, :synopses, :owner_id, :rights_holder, :ip_id, :markets, :ai_generated, :search_text, :created_at, "
            ":updated_at, :sort_title)"
        )
        for chunk in _chunks(work_rows, 5000):
            conn.execute(insert, chunk)
        for chunk in _chunks(term_rows, 20000):
            conn.execute(text("INSERT INTO work_terms (term, work_id) VALUES (:term, :work_id)"), chunk)
        status = [{"work_id": f"w-{i:08d}", "stage": stage, "state": rng.choice(STATES), "at": base}
                  for i in range(works) for stage in STAGES[: i % 4]]
        for chunk in _chunks(status, 20000):
            conn.execute(text("INSERT INTO stage_status (work_id, stage, state, detail, updated_at) "
                              "VALUES (:work_id, :stage, :state, NULL, :at)"), chunk)
        _side_tables(conn, works, rng, base)
    log(f"  stored works, terms, {len(status):,} stage states, assets, checks, reviews, conflicts "
        f"in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    with platform.db.write() as conn:
        _jobs(conn, jobs, platform.db.is_sqlite)
    with platform.db.write() as conn:
        if platform.db.is_sqlite:
            conn.execute(text("ANALYZE"))
    if not platform.db.is_sqlite:
        with platform.db.engine.connect() as raw:
            raw.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    log(f"  stored {jobs:,} jobs and analysed in {time.perf_counter() - start:.0f} s")


def _side_tables(conn: Any, works: int, rng: random.Random, base: datetime) -> None:
    """Assets (every 10th work) with label checks, review items and open conflicts."""
    asset_rows, checks = [], []
    for i in range(0, works, 10):
        aid, wid = f"a-{i:08d}", f"w-{i:08d}"
        asset_rows.append({"id": aid, "work_id": wid, "sha": f"{i:064x}", "key": f"bench/{i}", "at": base})
        checks.append({"asset_id": aid, "work_id": wid, "verdict": rng.choice(("compliant", "no label", "non-compliant")),
                       "at": base})
    for chunk in _chunks(asset_rows, 5000):
        conn.execute(text("INSERT INTO assets (id, work_id, sha256, media_type, size, storage_key, original_name, "
                          "created_at) VALUES (:id, :work_id, :sha, 'image/png', 1000, :key, 'x.png', :at)"), chunk)
    for chunk in _chunks(checks, 5000):
        conn.execute(text("INSERT INTO label_checks (asset_id, work_id, kind, verdict, tier, report, checked_at) "
                          "VALUES (:asset_id, :work_id, 'image', :verdict, NULL, '{}', :at)"), chunk)
    items = [{"id": f"rv-{i}", "work_id": f"w-{i * 37 % works:08d}", "state": rng.choice(("queued", "decided", "decided")),
              "at": base + timedelta(minutes=i)} for i in range(min(5000, works))]
    conn.execute(text(
        "INSERT INTO review_items (id, work_id, ip, policy, policy_version, automated_decision, decision, findings, "
        "reasons, fixes, texts, state, round, queued_at, created_at, updated_at) VALUES (:id, :work_id, NULL, 'p', '1', "
        "'review', 'review', '[]', '[]', '[]', '[]', :state, 0, :at, :at, :at)"), items)
    conflicts = [{"id": f"fpc-{i}", "a": f"a-{i * 10:08d}", "w": f"w-{i * 10:08d}", "ma": f"a-{(i * 10 + 10) % works:08d}",
                  "mw": f"w-{(i * 10 + 10) % works:08d}", "at": base} for i in range(min(1000, works // 10 - 1))]
    conn.execute(text(
        "INSERT INTO fingerprint_conflicts (id, asset_id, work_id, matched_asset_id, matched_work_id, kind, score, span, "
        "state, decided_by, decided_at, created_at) VALUES (:id, :a, :w, :ma, :mw, 'image', 0.9, NULL, 'open', NULL, "
        "NULL, :at)"), conflicts)


def _jobs(conn: Any, n: int, sqlite: bool) -> None:
    """n jobs made by the database itself: 96% done, 3% failed, 1% queued, 5 running."""
    state = ("CASE WHEN x % 100 < 96 THEN 'done' WHEN x % 100 < 99 THEN 'failed' "
             "WHEN x <= 5 THEN 'running' ELSE 'queued' END")
    if sqlite:
        conn.execute(text(
            "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < :n) "
            "INSERT INTO jobs (id, kind, params, state, done, total, message, error, created_by, claimed_by, created_at, "
            f"started_at, finished_at) SELECT 'j-' || x, 'fingerprint-asset', '{{}}', {state}, x % 10, 10, NULL, NULL, "
            "NULL, NULL, datetime('2025-01-01', '+' || x || ' seconds'), NULL, NULL FROM seq"), {"n": n})
    else:
        conn.execute(text(
            "INSERT INTO jobs (id, kind, params, state, done, total, message, error, created_by, claimed_by, created_at, "
            f"started_at, finished_at) SELECT 'j-' || x, 'fingerprint-asset', '{{}}', {state}, x % 10, 10, NULL, NULL, "
            "NULL, NULL, timestamptz '2025-01-01' + x * interval '1 second', NULL, NULL "
            "FROM generate_series(1, :n) AS x"), {"n": n})


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


# --- timing ---------------------------------------------------------------------------------


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf, "next": "/studio"})
    assert response.status_code == 200, response.text[:300]


def _time(client: TestClient, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm: templates compiled, caches filled
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return out


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


LIST_URLS = (
    "/studio",
    "/studio?sort=title",
    "/studio?sort=oldest",
    "/studio?kind=video",
    "/studio?ai=yes&market=TH/th",
    "/studio?stage=rights&state=failed",
    "/studio?stage=review&state=pending",
    "/studio?owner=maker07",
    "/studio?q=monkey",
    "/studio?q=悟空",
    "/studio?q=白骨精+monkey+demon",
    "/studio?q=孙悟空&kind=story&sort=title",
    "/studio?q=nosuchword",
)


def measure(platform: Platform, rounds: int, log: Callable[[str], None]) -> dict[str, float]:
    results: dict[str, float] = {}
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as client:
        _login(client, "admin")
        urls = list(LIST_URLS)
        page = client.get("/studio")  # a deep page: follow "next" 20 times
        for _ in range(20):
            link = page.text.split('id="next-page"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
            page = client.get(link)
        urls.append(link)
        samples: list[float] = []
        for url in urls:
            got = _time(client, url, rounds)
            samples += got
            log(f"    {url[:60]:<60} median {statistics.median(got):6.1f} ms  p95 {_p95(got):6.1f} ms")
        results["list_admin_p95"] = _p95(samples)
        home = _time(client, "/", rounds * 3)
        results["home_admin_p95"] = _p95(home)
        results["home_admin_median"] = statistics.median(home)
        live = _time(client, "/api/v1/jobs/running", rounds * 3)
        results["jobs_running_p95"] = _p95(live)
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as client:
        _login(client, "maker07")
        samples = []
        for url in ("/studio", "/studio?q=monkey", "/studio?kind=video&sort=title", "/"):
            samples += _time(client, url, rounds)
        results["creator_pages_p95"] = _p95(samples)
    return results


@contextmanager
def _platform(database_url: str | None, tmp: Path) -> Iterator[Platform]:
    if database_url is None:
        platform, _ = init_platform(Settings(data_dir=tmp), "admin", PASSWORD)
        try:
            yield platform
        finally:
            platform.close()
        return
    name = f"cb_bench_studio_{int(time.time())}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = database_url.rsplit("/", 1)[0] + "/" + name
    platform, _ = init_platform(Settings(data_dir=tmp, database_url=url), "admin", PASSWORD)
    try:
        yield platform
    finally:
        platform.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="10,000 works, 100,000 jobs, 5 rounds, SQLite only")
    parser.add_argument("--postgres-url", default="", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    if args.quick:
        args.works, args.jobs, args.rounds = 10_000, 100_000, 5
    backends: list[tuple[str, str | None]] = []
    if args.only in (None, "sqlite"):
        backends.append(("SQLite", None))
    if args.postgres_url and args.only in (None, "postgresql") and not args.quick:
        backends.append(("PostgreSQL", args.postgres_url))
    print(f"studio bench: {args.works:,} works, {args.jobs:,} jobs, {args.rounds} rounds per URL")
    for label, url in backends:
        with tempfile.TemporaryDirectory() as tmp, _platform(url, Path(tmp)) as platform:
            print(f"{label}:")
            build(platform, args.works, args.jobs, print)
            res = measure(platform, args.rounds, print)
            print(f"  works list (admin, {len(LIST_URLS) + 1} URLs): p95 {res['list_admin_p95']:.1f} ms (target <= 150)")
            print(f"  home (admin): p95 {res['home_admin_p95']:.1f} ms, median {res['home_admin_median']:.1f} ms "
                  "(target <= 200)")
            print(f"  running-jobs poll: p95 {res['jobs_running_p95']:.1f} ms")
            print(f"  creator's list, search and home: p95 {res['creator_pages_p95']:.1f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
