"""Structured re-ranking alone (no database): features, fusion, learning from verdicts."""

from __future__ import annotations

import pytest

from duijie.matching.engine import rerank
from duijie.matching.engine.rerank import Profile

WANT = Profile(fields=frozenset({"ai.vision"}), broad_fields=frozenset({"ai.vision", "ai"}), trl=6,
               modes=frozenset({"licence"}), regions=frozenset({"CN-320000"}), amount_max=500_000.0, currency="CNY")


@pytest.mark.parametrize(("offer", "expected"), [
    (Profile(), {}),  # an offer that declares nothing moves nothing
    (Profile(fields=frozenset({"ai.vision"}), broad_fields=frozenset({"ai.vision", "ai"})),
     {"subfield": 1.0, "field": 1.0}),
    (Profile(fields=frozenset({"ai.nlp"}), broad_fields=frozenset({"ai.nlp", "ai"})), {"field": 1.0}),
    (Profile(fields=frozenset({"bio"}), broad_fields=frozenset({"bio"})), {"field": -1.0}),
    (Profile(trl=7), {"trl": 1.0}),  # mature enough
    (Profile(trl=3), {"trl": -1.0}),  # three levels short: as far down as it goes
    (Profile(trl=5), {"trl": pytest.approx(-1 / 3)}),
    (Profile(modes=frozenset({"licence", "transfer"})), {"mode": 1.0}),
    (Profile(modes=frozenset({"joint-development"})), {"mode": -1.0}),
    (Profile(regions=frozenset({"CN", "CN-320000", "CN-320500"})), {"region": 1.0}),
    (Profile(regions=frozenset({"CN", "CN-110000"})), {"region": -1.0}),
    (Profile(amount_min=300_000.0, currency="CNY"), {"budget": 1.0}),
    (Profile(amount_min=900_000.0, currency="CNY"), {"budget": -1.0}),
    (Profile(amount_min=900_000.0, currency="EUR"), {}),  # another currency: not compared
])
def test_features(offer, expected):
    values = rerank.features(WANT, offer, 0.8)
    assert values["text"] == 0.8
    assert {k: v for k, v in values.items() if k != "text" and v} == expected


def test_an_undeclared_demand_leaves_the_text_order_alone():
    offer = Profile(fields=frozenset({"bio"}), trl=2, amount_min=1e9, currency="CNY")
    assert set(rerank.features(Profile(), offer, 0.5).values()) == {0.0, 0.5}


def test_structured_fit_lifts_a_close_text_match_and_says_why():
    fits = rerank.features(WANT, Profile(fields=frozenset({"ai.vision"}), broad_fields=frozenset({"ai"}), trl=7), 0.9)
    misfit = rerank.features(WANT, Profile(fields=frozenset({"bio"}), broad_fields=frozenset({"bio"}), trl=3), 1.0)
    ordered = rerank.rerank([("misfit", 10.0, misfit), ("fits", 9.0, fits)], rerank.PRIOR)
    assert [key for key, _s in ordered] == ["fits", "misfit"]
    assert [name for name, _e in rerank.PRIOR.signals(fits)] == ["subfield", "field", "trl"]
    assert all(effect < 0 for _n, effect in rerank.PRIOR.signals(misfit))
    # The text still rules when the structured signals are silent.
    plain = [("a", 2.0, rerank.features(Profile(), Profile(), 1.0)), ("b", 1.0, rerank.features(Profile(), Profile(), 0.5))]
    assert [key for key, _s in rerank.rerank(plain, rerank.PRIOR)] == ["a", "b"]


def _verdicts(n: int) -> list[tuple[dict[str, float], int]]:
    """Brokers who care about the field: interested when the field matches, whatever the text."""
    rows = []
    for i in range(n):
        same_field = i % 2 == 0
        values = dict.fromkeys(rerank.FEATURES, 0.0) | {"text": 0.5 + (i % 5) / 10,
                                                         "subfield": 1.0 if same_field else 0.0}
        rows.append((values, 1 if same_field else 0))
    return rows


def test_fit_learns_the_weights_the_verdicts_imply():
    rows = _verdicts(40)
    model = rerank.fit(rows, "v1")
    assert model.weights["subfield"] > 1.0 and model.version == "v1"
    assert rerank.auc(model, rows) == 1.0
    assert rerank.auc(rerank.Model("flat"), rows) == 0.5  # a model that cannot tell scores a coin's odds
    assert rerank.cross_validated(rows) == 1.0


def test_fit_refuses_too_little_or_one_sided_feedback():
    with pytest.raises(rerank.NotEnoughFeedback):
        rerank.fit(_verdicts(rerank.MIN_ROWS - 1), "v1")
    with pytest.raises(rerank.NotEnoughFeedback):
        rerank.fit([(values, 1) for values, _label in _verdicts(40)], "v1")
