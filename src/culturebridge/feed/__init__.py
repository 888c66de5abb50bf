"""The feed stage: candidates, blended ranking, diversity, break-out exploration, serving, evaluation.

Data comes in as plain (user, item, weight, timestamp) rows (`from_rows`) with item side
data (`ItemMeta`) and one market per user; everything inside is numpy arrays.
"""

from culturebridge.feed import _tables  # noqa: F401  (registers the stage's tables)
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

__all__ = [
    "REFRESH_JOB",
    "AnnIndex",
    "BlendWeights",
    "ContentModel",
    "Dataset",
    "EaseModel",
    "EvalReport",
    "ExploreConfig",
    "FactorModel",
    "FeedHolder",
    "FeedModel",
    "Interactions",
    "ItemMeta",
    "PopularityModel",
    "Reason",
    "ServeConfig",
    "SimConfig",
    "SimResult",
    "Slot",
    "ThompsonExplorer",
    "UsemEncoder",
    "build_feed_model",
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
    "item_texts",
    "load_movielens_100k",
    "mmr",
    "queue_refresh",
    "refresh_handler",
    "separate_creators",
    "serve",
    "simulate",
    "split",
    "split_msr",
    "split_time",
]
