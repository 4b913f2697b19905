"""The demand side of ``duijie demo``: demands of the demo enterprises in every tier and along the chain."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from duijie.demand.models import Demand, DemandHistory

pytestmark = pytest.mark.django_db


def test_demo_demands_cover_the_chain_and_the_tiers_and_load_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("demo", "--quiet", stdout=StringIO())
    assert callbacks == []  # demo content is not news: no e-mail
    demands = Demand.objects.filter(challenge__isnull=True)
    assert demands.count() == 12
    assert set(demands.values_list("status", flat=True)) == {
        "collected", "screening", "published", "matching", "brokering", "contracted", "rejected", "withdrawn"}
    assert set(demands.values_list("confidentiality", flat=True)) == {"public", "summary", "private"}
    recorded = demands.get(external_id="DM-009")
    assert (recorded.source, recorded.confirmed_at, recorded.status) == ("visit", None, "collected")
    assert recorded.created_by.email == "commissioner@duijie.demo"
    matching = demands.get(external_id="DM-001")
    assert [b.email for b in matching.brokers.all()] == ["broker@duijie.demo"]
    assert DemandHistory.objects.filter(demand=matching, kind="transition").count() == 3
    assert demands.filter(language="en").count() == 2
    # Every published demo demand has recommendations; one Chinese demand's best match is in English.
    from duijie.accounts.models import User
    from duijie.matching import selectors as matching

    operator = User.objects.get(email="operator@duijie.demo")
    for demand in demands.filter(status__in=["published", "matching", "brokering"]):
        assert matching.recommendations_for_demand(user=operator, demand=demand), demand.external_id
    best = matching.recommendations_for_demand(user=operator, demand=demands.get(external_id="DM-012"))[0]
    assert best.achievement.language == "en" and best.explanation.translations
    from duijie.demand import selectors
    from duijie.demand.enums import CHALLENGE_ORDER
    from duijie.demand.models import Challenge

    challenges = Challenge.objects.order_by("pk")
    assert [c.stage for c in challenges] == CHALLENGE_ORDER  # one in each stage
    evaluated = challenges.get(stage="awarded")
    ranking = selectors.challenge_ranking(challenge=evaluated)
    assert evaluated.winner == ranking[0].application and ranking[0].reviewers == 1  # the other reviewer: conflict
    assert challenges.get(stage="publicity").objections.count() == 1
    before = list(Demand.objects.order_by("pk").values())
    out = StringIO()
    call_command("demo", "--quiet", stdout=out)
    assert "0 created, 452 already there" in out.getvalue()
    assert list(Demand.objects.order_by("pk").values()) == before
