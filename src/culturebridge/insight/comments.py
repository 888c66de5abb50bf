"""Audience comments: language, moderation before anyone else sees them, and sentiment.

Language: lingua, built for the feed's audience languages only (LANGUAGES); a comment
whose top language has confidence below MIN_CONFIDENCE stays undetected (None).
Moderation: the review stage's public safety check (its lexicon, homophones and the
English profanity model) under a comment policy of that one check; "pass" makes a comment
visible, "review" holds it for a reviewer, "reject" hides it for good.
Sentiment, only where an offline lexicon or model ships: English with VADER (Hutto &
Gilbert 2014; its compound score, -1..1) and Chinese with SnowNLP's bundled Bayes model
(probability positive p mapped to 2p - 1). Every other language gets no score (None) -
never a guess from another language's lexicon.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from culturebridge.review import Models, Reviewer, ReviewItem, load_models, policy_from_dict

LANGUAGES = ("en", "zh", "es", "fr", "pt", "ja", "ko", "th", "id", "ms", "vi", "de", "ar", "ru")
SCORED_LANGUAGES = ("en", "zh")
MIN_CONFIDENCE = 0.5
MAX_COMMENT_CHARS = 2000

COMMENT_POLICY: dict[str, Any] = {
    "name": "audience-comments",
    "version": "1.0",
    "title": {"zh": "观众评论", "en": "Audience comments"},
    "requires_canon": False,
    "clauses": {"violence-vulgarity": {"zh": "血腥暴力、低俗色情、错误价值导向",
                                       "en": "Bloody violence, vulgarity, sexual content or wrong values"}},
    "checks": [{"check": "safety", "clause": "violence-vulgarity", "clause_by_kind": {"childrens": "violence-vulgarity"},
                "review_at": "medium", "reject_at": "high", "params": {"childrens_strict": False}}],
}


@dataclass(frozen=True)
class CommentVerdict:
    language: str | None
    sentiment: float | None
    status: str  # visible | held | rejected
    moderation: str  # the reasons, "" when it passed


class CommentAnalyzer:
    """Detects, moderates and scores comments; models load on first use, once per process."""

    def __init__(self, models: Models | None = None) -> None:
        self._models = models
        self._lock = threading.Lock()
        self._detector: Any = None
        self._reviewer: Reviewer | None = None
        self._scorers: dict[str, Callable[[str], float]] = {}

    def _detect(self, text: str) -> str | None:
        with self._lock:
            if self._detector is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                langs = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
                self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*langs).build()
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < MIN_CONFIDENCE:
            return None
        return str(values[0].language.iso_code_639_1.name.lower())

    def _review(self) -> Reviewer:
        with self._lock:
            if self._reviewer is None:
                models = self._models or load_models(embeddings=False, profanity=True, frames=False)
                self._reviewer = Reviewer(policy_from_dict(COMMENT_POLICY, source="comment policy"), {}, models=models)
            return self._reviewer

    def _scorer(self, language: str) -> Callable[[str], float] | None:
        if language not in SCORED_LANGUAGES:
            return None
        with self._lock:
            if language not in self._scorers:
                if language == "en":
                    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                    vader = SentimentIntensityAnalyzer()
                    self._scorers["en"] = lambda t: float(vader.polarity_scores(t)["compound"])
                else:
                    from snownlp import SnowNLP

                    self._scorers["zh"] = lambda t: 2.0 * float(SnowNLP(t).sentiments) - 1.0
            return self._scorers[language]

    def analyze(self, text: str) -> CommentVerdict:
        """Language, moderation outcome and sentiment of one comment."""
        language = self._detect(text)
        decision = self._review().review(ReviewItem(ip="", text=text, lang=language if language in ("zh", "en") else None))
        status = {"pass": "visible", "review": "held", "reject": "rejected"}[decision.decision]
        reasons = "; ".join(r.explanation for r in decision.reasons)
        scorer = self._scorer(language) if language else None
        sentiment = round(max(-1.0, min(1.0, scorer(text))), 4) if scorer is not None else None
        return CommentVerdict(language, sentiment, status, reasons)


_shared: CommentAnalyzer | None = None


def shared_analyzer() -> CommentAnalyzer:
    """One analyzer per process (the detector alone takes ~2 s and ~200 MB to build)."""
    global _shared
    if _shared is None:
        _shared = CommentAnalyzer()
    return _shared
