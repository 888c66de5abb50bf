"""The feed stage: candidates, blended ranking, diversity, break-out exploration, serving, evaluation.

Data comes in as plain (user, item, weight, timestamp) rows (`from_rows`) with item side
data (`ItemMeta`) and one market per user; everything inside is numpy arrays.
"""

from culturebridge.feed import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.feed.activity import activity
from culturebridge.feed.builder import build_feed_model
from culturebridge.feed.content import ContentModel, UsemEncoder, fit_content, item_texts
from culturebridge.feed.dataset import (
    Dataset,
    Interactions,
    ItemMeta,
    from_rows,
    load_movielens_100k,
    split,
    split_msr,
    split_time,
)
from culturebridge.feed.evaluate import EvalReport, evaluate
from culturebridge.feed.explore import ExploreConfig, ThompsonExplorer
from culturebridge.feed.index import AnnIndex
from culturebridge.feed.live import EventSink, VariantChooser, add_event_sink, add_variant_chooser
from culturebridge.feed.models import (
    EaseModel,
    FactorModel,
    PopularityModel,
    fit_als,
    fit_bpr,
    fit_ease,
    fit_model,
    fit_popularity,
)
from culturebridge.feed.ranking import BlendWeights, Reason, Slot
from culturebridge.feed.refresh import JOB_KIND as REFRESH_JOB
from culturebridge.feed.refresh import handler as refresh_handler
from culturebridge.feed.refresh import queue_refresh
from culturebridge.feed.rerank import dpp_greedy, mmr, separate_creators
from culturebridge.feed.serving import FeedHolder, FeedModel, ServeConfig, serve
from culturebridge.feed.simulator import SimConfig, SimResult, compare, simulate
from culturebridge.feed.store import (
    EVENT_TYPES,
    Event,
    EventType,
    Publication,
    check_market,
    get_publication,
    iter_events,
    list_publications,
    parse_event,
    record_events,
    stored_event_ids,
)

__all__ = [
    "activity",
    "EVENT_TYPES",
    "REFRESH_JOB",
    "AnnIndex",
    "BlendWeights",
    "ContentModel",
    "Dataset",
    "EaseModel",
    "EvalReport",
    "Event",
    "EventSink",
    "EventType",
    "ExploreConfig",
    "FactorModel",
    "FeedHolder",
    "FeedModel",
    "Interactions",
    "ItemMeta",
    "PopularityModel",
    "Publication",
    "Reason",
    "ServeConfig",
    "SimConfig",
    "SimResult",
    "Slot",
    "ThompsonExplorer",
    "UsemEncoder",
    "VariantChooser",
    "add_event_sink",
    "add_variant_chooser",
    "build_feed_model",
    "check_market",
    "compare",
    "dpp_greedy",
    "evaluate",
    "fit_als",
    "fit_bpr",
    "fit_content",
    "fit_ease",
    "fit_model",
    "fit_popularity",
    "from_rows",
    "get_publication",
    "item_texts",
    "iter_events",
    "list_publications",
    "load_movielens_100k",
    "mmr",
    "parse_event",
    "queue_refresh",
    "record_events",
    "refresh_handler",
    "separate_creators",
    "serve",
    "simulate",
    "split",
    "split_msr",
    "split_time",
    "stored_event_ids",
]
