"""Weeks of simulated audience history for the demo, so every insight page shows real figures.

Each market has a population of viewers with a market-level appetite for the catalogue
(how often they finish, like, share, follow, return); each day some of them open the feed,
get impressions of the market's published works and respond. Localized versions finish
more often than originals outside the work's home language (the cultural discount the
insight page then measures). Comments come in the markets' languages (and some Chinese
from diaspora viewers), a few rude ones for moderation to catch. One localization
experiment (original vs localized version) runs in the largest market that has a localized
publication and is analysed at the end,
so it finishes. Everything goes through `insight.ingest` - the same path as real events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from culturebridge import catalog
from culturebridge.feed import Publication, list_publications
from culturebridge.insight import AudienceEvent, analyze, assign, create, ingest
from culturebridge.platform import Platform

# (viewers, daily activity, completion appetite, like, share, follow) per market.
MARKETS: dict[str, tuple[int, float, float, float, float, float]] = {
    "US/en": (700, 0.35, 0.62, 0.22, 0.06, 0.030), "FR/fr": (420, 0.30, 0.55, 0.18, 0.04, 0.020),
    "ES/es": (380, 0.30, 0.50, 0.20, 0.05, 0.020), "JP/ja": (360, 0.25, 0.58, 0.12, 0.03, 0.015),
    "KR/ko": (300, 0.25, 0.52, 0.15, 0.04, 0.018), "TH/th": (320, 0.32, 0.48, 0.25, 0.08, 0.030),
    "MY/ms": (260, 0.30, 0.45, 0.20, 0.05, 0.020), "SA/ar": (120, 0.25, 0.40, 0.15, 0.03, 0.010),
}
COMMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # (warm, cool) per language
    "en": (("Beautiful work, I watched it twice!", "I love the music and the costumes.", "Great story, more please!"),
           ("Too slow for me, I got bored.", "The subtitles were hard to follow.")),
    "zh": (("太好看了，我很喜欢！", "画面很美，音乐也好听。", "想看更多这样的作品。"), ("节奏有点慢，看不下去。", "翻译有些地方不太准确。")),
    "fr": (("Magnifique, j'adore cette histoire.", "Très beau travail, merci !"), ("Un peu long à mon goût.",)),
    "es": (("¡Qué bonita historia, me encantó!", "Muy buena música y vestuario."), ("Demasiado lento para mí.",)),
    "ja": (("とても美しい作品でした。", "音楽が素晴らしい！"), ("少し長すぎると思います。",)),
    "ko": (("정말 아름다운 작품이에요.", "음악이 너무 좋아요!"), ("조금 지루했어요.",)),
    "th": (("สวยงามมาก ชอบมากค่ะ", "เพลงเพราะมาก"), ("ช้าไปหน่อย",)),
    "ms": (("Cerita yang sangat indah, saya suka!", "Muzik yang sangat bagus."), ("Terlalu perlahan untuk saya.",)),
    "ar": (("عمل جميل جدا، أحببته!", "الموسيقى رائعة."), ("بطيء قليلا بالنسبة لي.",)),
}
RUDE = ("This is shit, what a waste of fucking time", "垃圾作品，傻逼才看")
DAYS = 28


def write_history(platform: Platform, *, days: int = DAYS, seed: int = 7, scale: float = 1.0,
                  progress: Callable[[str], None] = print) -> str:
    """Write `days` of audience history ending today; returns a one-line summary."""
    rng = np.random.default_rng(seed)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    with platform.db.read() as conn:
        pubs = list_publications(conn)
        works = {p.work_id: catalog.get_work(conn, p.work_id) for p in pubs}
    by_market: dict[str, list[tuple[str, bool]]] = {}
    for p in pubs:
        by_market.setdefault(p.market, []).append((p.work_id, p.served_work_id != p.work_id))
    experiment = _experiment(platform, pubs)
    quality = {w: float(rng.uniform(0.75, 1.15)) for w in works}
    events: list[AudienceEvent] = []
    serial = 0
    for market, catalogue in sorted(by_market.items()):
        size, active, finish, like, share, follow = MARKETS.get(market, (150, 0.25, 0.45, 0.15, 0.03, 0.01))
        lang = market.split("/", 1)[1]
        viewers = [f"demo-{market.replace('/', '').lower()}-{i}" for i in range(int(size * scale))]
        for day in range(days):
            for viewer in viewers:
                if rng.random() > active * 0.45:
                    continue
                picks = [catalogue[int(rng.integers(len(catalogue)))] for _ in range(int(rng.integers(1, 4)))]
                if experiment is not None and market == experiment[2] and rng.random() < 0.6:
                    picks.append(next(c for c in catalogue if c[0] == experiment[1]))  # the experiment's work
                for work_id, localized in picks:
                    at = start + timedelta(days=day, seconds=int(rng.integers(0, 86_400)))
                    serial += 1
                    eid = f"demo-{serial:08d}"
                    events.append(AudienceEvent(eid + "i", viewer, work_id, market, "impression", at))
                    home = works[work_id].original_language == lang
                    appetite = finish * quality[work_id] * (1.0 if home or localized else 0.7)
                    if experiment is not None and (work_id, market) == experiment[1:]:
                        appetite *= 1.35 if assign(experiment[0], viewer) == "B" else 0.85
                    if rng.random() > 0.55 + 0.3 * appetite:
                        events.append(AudienceEvent(eid + "k", viewer, work_id, market, "skip", at))
                        continue
                    fraction = 1.0 if rng.random() < appetite else float(rng.uniform(0.02, 0.88))
                    events.append(AudienceEvent(eid + "v", viewer, work_id, market, "view", at, fraction))
                    for kind, chance in (("like", like), ("share", share), ("follow", follow)):
                        if rng.random() < chance * (1.5 if fraction >= 0.9 else 0.5):
                            events.append(AudienceEvent(eid + kind[0], viewer, work_id, market, kind, at))
                    if rng.random() < 0.02:
                        events.append(_comment(rng, eid + "c", viewer, work_id, market, lang, at, fraction))
    progress(f"audience history: {len(events):,} events over {days} days in {len(by_market)} markets")
    stored = 0
    for i in range(0, len(events), 5000):
        with platform.db.write() as conn:
            stored += ingest(conn, events[i:i + 5000]).stored
    if experiment is not None:
        with platform.db.write() as conn:
            result = analyze(conn, experiment[0])
        progress(f"experiment {experiment[0]}: {result.decision} (p = {result.p_value:.4f})")
    return f"{stored:,} audience events"


def _comment(rng: np.random.Generator, eid: str, viewer: str, work_id: str, market: str, lang: str,
             at: datetime, fraction: float) -> AudienceEvent:
    roll = rng.random()
    if roll < 0.04:
        text = RUDE[int(rng.integers(len(RUDE)))]
    else:
        language = "zh" if roll < 0.2 else (lang if lang in COMMENTS else "en")
        warm, cool = COMMENTS[language]
        pool = warm if fraction >= 0.5 else cool
        text = pool[int(rng.integers(len(pool)))]
    return AudienceEvent(eid, viewer, work_id, market, "comment", at, text=text)


def _experiment(platform: Platform, pubs: list[Publication]) -> tuple[str, str, str] | None:
    """Original vs localized version of a work, in the largest market where it is published localized."""
    localized = sorted((p for p in pubs if p.served_work_id != p.work_id),
                       key=lambda p: -MARKETS.get(p.market, (0,))[0])
    if not localized:
        return None
    p = localized[0]
    with platform.db.write() as conn:
        exp = create(conn, p.work_id, p.market, p.work_id, p.served_work_id, metric="completion")
    return exp.id, p.work_id, p.market
