"""The insight stage: audience signals, the market index, creator analytics, experiments.

Reads the feed's events through the feed's public API and keeps its own roll-ups and
comments (`_tables.py`). `register()` has the live feed call `on_feed_event` for every
event it stores, so roll-ups stay exact; the top layer calls it once per process.
"""

from culturebridge.insight import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.insight.comments import SCORED_LANGUAGES, CommentAnalyzer, CommentVerdict
from culturebridge.insight.events import AudienceEvent, IngestResult, ingest, on_feed_event, parse
from culturebridge.insight.experiments import (
    Analysis,
    Experiment,
    analyze,
    assign,
    create,
    list_experiments,
)
from culturebridge.insight.headline import Headline, headline
from culturebridge.insight.index import IndexResult, MarketIndex, compute_index
from culturebridge.insight.methodology import Methodology, load, load_weights_file, reweight
from culturebridge.insight.report import (
    WorkReport,
    cultural_discount,
    discount_summary,
    market_index,
    rebuild,
    work_report,
)


def register() -> None:
    """Roll up every event the live feed stores, in its transaction, and let running
    localization experiments choose each viewer's version (idempotent)."""
    from culturebridge.feed import add_event_sink, add_variant_chooser
    from culturebridge.insight.experiments import variant_for

    add_event_sink(on_feed_event)
    add_variant_chooser(variant_for)


__all__ = [
    "SCORED_LANGUAGES", "Analysis", "AudienceEvent", "CommentAnalyzer", "CommentVerdict", "Experiment", "Headline",
    "IndexResult", "IngestResult", "MarketIndex", "Methodology", "WorkReport", "analyze", "assign",
    "compute_index", "create", "cultural_discount", "discount_summary", "headline", "ingest", "list_experiments", "load",
    "load_weights_file", "market_index", "on_feed_event", "parse", "rebuild", "register", "reweight", "work_report",
]
