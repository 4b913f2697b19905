"""Structured re-ranking: what a demand declares (fields, TRL, cooperation modes, regions, budget)
against what an achievement offers, fused with the text score by a linear model.

Each pair of profiles gives the features of ``FEATURES``, every one in [-1, 1] (0 where a side says
nothing). A ``Model`` scores ``intercept + Σ weight × feature``; ``PRIOR`` holds hand-set weights
used until feedback has trained a model (``fit``, a logistic regression on "interested" versus
"not relevant"). ``signals`` names the structured features that moved a pair, for explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

FEATURES = ("text", "field", "subfield", "trl", "mode", "region", "budget")
RERANK_DEPTH = 50  # text candidates the structured signals may reorder
MIN_ROWS = 20  # verdicts needed before a model is fitted


@dataclass(frozen=True)
class Profile:
    """One side of a match, as codes and numbers (no Django objects)."""

    fields: frozenset[str] = frozenset()  # technology field codes as declared
    broad_fields: frozenset[str] = frozenset()  # the fields and their parents
    trl: int | None = None  # needed (demand) or reached (achievement)
    modes: frozenset[str] = frozenset()  # cooperation modes wanted or offered
    regions: frozenset[str] = frozenset()  # preferred (demand) or located in, with ancestors (achievement)
    amount_min: float | None = None  # budget (demand) or asking price (achievement)
    amount_max: float | None = None
    currency: str = ""


def features(demand: Profile, offer: Profile, text: float) -> dict[str, float]:
    """The features of a (demand, offer) pair; ``text`` is the text score scaled to [0, 1]."""
    out = dict.fromkeys(FEATURES, 0.0)
    out["text"] = max(0.0, min(1.0, text))
    if demand.fields and offer.fields:
        out["subfield"] = len(demand.fields & offer.fields) / len(demand.fields)
        out["field"] = 1.0 if demand.broad_fields & offer.broad_fields else -1.0
    if demand.trl and offer.trl:
        gap = demand.trl - offer.trl
        out["trl"] = 1.0 if gap <= 0 else max(-1.0, -gap / 3)
    if demand.modes and offer.modes:
        out["mode"] = 1.0 if demand.modes & offer.modes else -1.0
    if demand.regions and offer.regions:
        out["region"] = 1.0 if demand.regions & offer.regions else -1.0
    if demand.currency and demand.currency == offer.currency and demand.amount_max and offer.amount_min:
        out["budget"] = 1.0 if offer.amount_min <= demand.amount_max else -1.0
    return out


@dataclass(frozen=True)
class Model:
    version: str
    weights: dict[str, float] = field(default_factory=dict)
    intercept: float = 0.0

    def score(self, values: dict[str, float]) -> float:
        return self.intercept + sum(self.weights.get(name, 0.0) * values.get(name, 0.0) for name in FEATURES)

    def signals(self, values: dict[str, float], threshold: float = 0.05) -> list[tuple[str, float]]:
        """The structured features that moved this pair (not the text), largest effect first."""
        moved = [(name, self.weights.get(name, 0.0) * values.get(name, 0.0)) for name in FEATURES[1:]]
        return sorted([(n, round(v, 3)) for n, v in moved if abs(v) >= threshold], key=lambda nv: -abs(nv[1]))


PRIOR = Model("prior", {"text": 3.0, "field": 0.3, "subfield": 0.6, "trl": 0.3, "mode": 0.3, "region": 0.2,
                        "budget": 0.4})


def rerank(candidates: Sequence[tuple[str, float, dict[str, float]]], model: Model) -> list[tuple[str, float]]:
    """(id, text score, features) → (id, fused score), best first; ties keep the text order."""
    scored = [(model.score(values), -position, key) for position, (key, _text, values) in enumerate(candidates)]
    scored.sort(reverse=True)
    return [(key, round(score, 4)) for score, _position, key in scored]


class NotEnoughFeedback(ValueError):
    pass


def fit(rows: Sequence[tuple[dict[str, float], int]], version: str) -> Model:
    """A logistic regression of "interested" (1) against "not relevant" (0) on the features."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    labels = [label for _values, label in rows]
    if len(rows) < MIN_ROWS or len(set(labels)) < 2:
        raise NotEnoughFeedback(len(rows))
    x = np.array([[values.get(name, 0.0) for name in FEATURES] for values, _label in rows])
    learnt = LogisticRegression(C=1.0, max_iter=1000).fit(x, np.array(labels))
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, learnt.coef_[0], strict=True)}
    return Model(version, weights, round(float(learnt.intercept_[0]), 4))



def auc(model: Model, rows: Sequence[tuple[dict[str, float], int]]) -> float:
    """How often the model ranks an "interested" pair above a "not relevant" one (ties count half)."""
    positive = [model.score(v) for v, label in rows if label]
    negative = [model.score(v) for v, label in rows if not label]
    if not positive or not negative:
        return 0.5
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positive for n in negative)
    return round(wins / (len(positive) * len(negative)), 4)


def cross_validated(rows: Sequence[tuple[dict[str, float], int]], folds: int = 5) -> float:
    """The AUC of a fresh fit on held-out rows, averaged over ``folds`` (rows dealt round-robin)."""
    results = []
    for fold in range(folds):
        train = [row for i, row in enumerate(rows) if i % folds != fold]
        held = [row for i, row in enumerate(rows) if i % folds == fold]
        try:
            results.append(auc(fit(train, "cv"), held))
        except NotEnoughFeedback:
            continue
    return round(sum(results) / len(results), 4) if results else 0.5
