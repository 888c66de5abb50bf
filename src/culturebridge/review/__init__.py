"""Review of AI-altered adaptations of classics: policy packs, checks, decisions.

Public API: build a `Reviewer` from a policy (`load_policy`) and canon cards
(`load_canon_dir`), optionally with models (`load_models`) and an `LLMJudge`, and call
`review(item)` for a `Decision`. `shadow_run` replays past items under a candidate policy;
`cohen_kappa` measures agreement between human reviewers.
"""

from culturebridge.catalog import default_canon_dir, load_canon_dir
from culturebridge.review import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.review.activity import activity
from culturebridge.review.attention import Waiting, waiting_reviews
from culturebridge.review.decision import Decision, Outcome, Reason, decide
from culturebridge.review.findings import Evidence, Finding, Frame, ReviewItem, Severity
from culturebridge.review.kappa import cohen_kappa, kappa_of_reviews
from culturebridge.review.llm import JudgeConfig, LLMJudge
from culturebridge.review.models import Models, load_models
from culturebridge.review.policy import (
    Policy,
    bundled_policies,
    load_policy,
    load_policy_file,
    policy_from_dict,
)
from culturebridge.review.reviewer import Reviewer, run_checks
from culturebridge.review.shadow import PastItem, ShadowReport, shadow_run
from culturebridge.review.work_review import (
    JOB_KIND,
    assess,
    cards_from_db,
    handler,
    policy_for,
    review_work,
    shared_models,
    submit_work,
)

__all__ = [
    "activity",
    "JOB_KIND",
    "Decision",
    "Waiting",
    "Evidence",
    "Finding",
    "Frame",
    "JudgeConfig",
    "LLMJudge",
    "Models",
    "Outcome",
    "PastItem",
    "Policy",
    "Reason",
    "ReviewItem",
    "Reviewer",
    "Severity",
    "ShadowReport",
    "assess",
    "bundled_policies",
    "cards_from_db",
    "cohen_kappa",
    "decide",
    "default_canon_dir",
    "handler",
    "kappa_of_reviews",
    "load_canon_dir",
    "load_models",
    "load_policy",
    "load_policy_file",
    "policy_for",
    "policy_from_dict",
    "review_work",
    "run_checks",
    "shadow_run",
    "shared_models",
    "submit_work",
    "waiting_reviews",
]
