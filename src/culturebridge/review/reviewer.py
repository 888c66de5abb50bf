"""Running a policy over an item: checks, optional LLM judge, decision.

`Reviewer` holds what is worth keeping between items: the policy, the canon cards, the
lazily loaded models and the compiled canon indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import CanonCardNotFound
from culturebridge.review.check import CheckContext
from culturebridge.review.decision import Decision, decide
from culturebridge.review.findings import Finding, ReviewItem, validate_item
from culturebridge.review.models import Models
from culturebridge.review.policy import Policy


class Judge(Protocol):
    def judge(self, item: ReviewItem, card: CanonCard | None, policy: Policy) -> list[Finding]: ...


def run_checks(item: ReviewItem, card: CanonCard | None, policy: Policy, models: Models,
               cache: dict[str, Any] | None = None) -> list[Finding]:
    """Every check of the policy over the item, findings tied to the policy's clauses."""
    context = CheckContext.build(item, card, models, {} if cache is None else cache)
    findings: list[Finding] = []
    for rule in policy.rules:
        found = [f.with_clause(rule.clause_for(f.kind)) for f in rule.check.run(context)]
        findings.extend(found)
        context.earlier.extend(found)
    return findings


class Reviewer:
    """Reviews items against their IP's canon card under one policy."""

    def __init__(self, policy: Policy, cards: Mapping[str, CanonCard], *, models: Models | None = None,
                 judge: Judge | None = None) -> None:
        self.policy = policy
        self.cards = dict(cards)
        self.models = models or Models.none()
        self.judge = judge
        self._cache: dict[str, Any] = {}

    def card_for(self, ip: str) -> CanonCard | None:
        """The IP's canon card; raise CanonCardNotFound if the policy needs one."""
        card = self.cards.get(ip)
        if card is None and (ip or self.policy.requires_canon):
            raise CanonCardNotFound(ip, sorted(self.cards))
        return card

    def review(self, item: ReviewItem) -> Decision:
        """Validate the item, run the checks (and the judge, if any), decide."""
        validate_item(item)
        card = self.card_for(item.ip)
        findings = run_checks(item, card, self.policy, self.models, self._cache)
        if self.judge is not None:
            findings.extend(self.judge.judge(item, card, self.policy))
        return decide(findings, self.policy, item_id=item.item_id, ip=item.ip)

    def review_many(self, items: Sequence[ReviewItem]) -> list[Decision]:
        """Review a batch: the models see all items' sentences in one call each, then each item is decided."""
        inputs: dict[str, list[str]] = {"embedder": [], "profanity": []}
        for item in items:
            validate_item(item)
            context = CheckContext.build(item, self.card_for(item.ip), self.models, self._cache)
            for rule in self.policy.rules:
                gather = getattr(rule.check, "model_inputs", None)
                if gather is not None:
                    for model, texts in gather(context).items():
                        inputs.setdefault(model, []).extend(texts)
        # The models memoise rows (models.memoised_rows): this warms them in one batch each.
        if self.models.embedder is not None and inputs["embedder"]:
            self.models.embedder.get()(inputs["embedder"])
        if self.models.profanity is not None and inputs["profanity"]:
            self.models.profanity.get()(inputs["profanity"])
        return [self.review(item) for item in items]

    def with_models(self, models: Models) -> Reviewer:
        """A reviewer sharing the compiled canon (same embedding model kind) with other model instances."""
        other = Reviewer(self.policy, self.cards, models=models, judge=self.judge)
        other._cache = self._cache
        return other

    def with_policy(self, policy: Policy) -> Reviewer:
        """A reviewer sharing cards, models and judge under another policy."""
        other = Reviewer(policy, self.cards, models=self.models, judge=self.judge)
        other._cache = self._cache
        return other
