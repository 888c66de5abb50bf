"""Both languages complete: every message the interface shows exists in English and Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import get_args

from culturebridge.accounts import ACTIONS, ROLES
from culturebridge.catalog import SORTS, WORK_KINDS
from culturebridge.create.generate import KINDS as CREATE_KINDS
from culturebridge.feed.ranking import Reason
from culturebridge.fingerprint.conflicts import STATES as CONFLICT_STATES
from culturebridge.fingerprint.matcher import Kind as FingerprintKind
from culturebridge.fingerprint.monitor import Status as FingerprintStatus
from culturebridge.insight.methodology import SUBINDICES
from culturebridge.insight.report import DISCOUNT_GROUPS, RATES
from culturebridge.jobs import JOB_STATES, STATES
from culturebridge.localize.localizations import LocalizationState, SegmentState
from culturebridge.pipeline import ACTIVITY_SOURCES, OUTCOMES, PROTECTIONS, STAGES
from culturebridge.review.decision import Outcome
from culturebridge.review.desk import ItemState
from culturebridge.web.i18n import LOCALES, MESSAGES, format_age, format_datetime, format_number
from culturebridge.web.studio import BULK_ACTIONS

TEMPLATES = Path(str(resources.files("culturebridge.web") / "templates"))
WEB = TEMPLATES.parent
LITERAL = re.compile(r"""\bt\(\s*['"]([A-Za-z0-9_.\-]+)['"]\s*\)""")
DYNAMIC = re.compile(r"""\bt\(\s*['"]([A-Za-z0-9_.\-]+\.)['"]\s*~""")
# The values a dynamic key `t('prefix.' ~ value)` is built from.
DYNAMIC_VALUES: dict[str, tuple[str, ...]] = {
    "kind.": WORK_KINDS,
    "insight.sub.": SUBINDICES,
    "insight.discount.by.": DISCOUNT_GROUPS,
    "insight.rate.": tuple(RATES),
    "stage.": STAGES,
    "state.": STATES,
    "job.": JOB_STATES,
    "sort.": SORTS,
    "bulk.": BULK_ACTIONS,
    "feed.reason.": get_args(Reason),
    "fingerprint.decide.": CONFLICT_STATES[1:],
    "fingerprint.state.": CONFLICT_STATES,
    "fingerprint.kind.": get_args(FingerprintKind),
    "fingerprint.status.": get_args(FingerprintStatus),
    "fingerprint.unit.": ("seconds", "characters"),
    "labels.purpose.": ("implicit", "publication"),
    "labels.tier.": ("AI生成", "可能为AI生成", "疑似AI生成"),
    "labels.verdict.": ("compliant", "non-compliant", "no label", "unreadable"),
    "localize.state.": (*get_args(LocalizationState), *get_args(SegmentState)),
    "review.decision.": get_args(Outcome),
    "review.state.": get_args(ItemState),
    "verify.status.": ("pass", "fail", "skip"),
    "automation.outcome.": OUTCOMES,
    "activity.stage.": tuple(ACTIVITY_SOURCES),
    "protection.": PROTECTIONS,
    "create.kind.": CREATE_KINDS,
    "audit.state.": ("running", "done"),  # audit.store writes these two
    "role.": ROLES,
    "accountlog.action.": ACTIONS,
}


def _sources() -> list[Path]:
    return sorted([*TEMPLATES.rglob("*.html"), *WEB.glob("*.py")])


def test_every_message_has_english_and_chinese() -> None:
    missing = [(key, loc) for key, entry in MESSAGES.items() for loc in LOCALES if not entry.get(loc, "").strip()]
    assert missing == [], f"messages lacking a translation: {missing}"


def test_every_key_the_interface_uses_is_in_the_catalog() -> None:
    used: dict[str, str] = {}
    for path in _sources():
        text = path.read_text("utf-8")
        for key in LITERAL.findall(text):
            used.setdefault(key, path.name)
        for prefix in DYNAMIC.findall(text):
            assert prefix in DYNAMIC_VALUES, f"{path.name}: dynamic key t('{prefix}' ~ ...) has no known values"
            for value in DYNAMIC_VALUES[prefix]:
                used.setdefault(prefix + value, path.name)
    unknown = sorted(f"{key} ({where})" for key, where in used.items() if key not in MESSAGES)
    assert unknown == [], f"keys without a message in web/i18n.py: {unknown}"
    assert len(used) > 100


def test_a_template_with_a_key_missing_from_the_catalog_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>{{ t('studio.no-such-message') }}</p>", "utf-8")
    assert LITERAL.findall(page.read_text("utf-8")) == ["studio.no-such-message"]
    assert "studio.no-such-message" not in MESSAGES


def test_dates_numbers_and_ages_in_the_viewers_language() -> None:
    at = datetime(2026, 12, 4, 13, 40, tzinfo=UTC)
    assert format_datetime(at, "en") == "4 Dec 2026, 13:40 UTC"
    assert format_datetime(at, "zh") == "2026年12月4日 13:40 UTC"
    assert format_datetime(None, "zh") == "—"
    assert format_number(1234567, "en") == format_number(1234567, "zh") == "1,234,567"
    assert format_number(2.5, "en") == "2.5"
    assert format_age(at - timedelta(hours=3, minutes=5), at, "en") == "3 h"
    assert format_age(at - timedelta(days=2), at, "zh") == "2 天"
    assert format_age(at, at, "zh") == "刚刚"
