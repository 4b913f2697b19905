"""Who sees which recommendations, as a table: every surface that shows matches (demand page and API,
experts on the page and the API and their verdicts and clicks, the broker console, an achievement's page
and API), every kind of person, every tier.

A demand's own matches rest on all its text, so only those who see all of it (its enterprise, its
assigned brokers, operators) get them. Matches of an achievement rest on what the board shows of
each demand to anyone, so a private demand never appears there and a summary-only demand is matched
and explained on its summary alone.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from duijie.demand import services as demand_services
from duijie.matching import selectors
from duijie.supply.models import ResearchDirection
from tests.demand.helpers import published as published_demand
from tests.factories import (
    AdminMembershipFactory,
    ApiTokenFactory,
    BrokerFactory,
    ExpertFactory,
    MembershipFactory,
    OperatorFactory,
    UserFactory,
)
from tests.supply.helpers import published as published_achievement

pytestmark = pytest.mark.django_db

HIDDEN = "钛合金熔覆"  # only in the demand's technical problem (a detail)
PEOPLE = ["anonymous", "stranger", "other_enterprise", "broker", "assigned_broker", "owner_member", "operator"]
PRIVILEGED = {"assigned_broker", "owner_member", "operator"}


@pytest.fixture(autouse=True)
def _fresh_index():  # type: ignore[no-untyped-def]
    selectors.reset()


def _world(tier: str):  # type: ignore[no-untyped-def]
    owner = AdminMembershipFactory()
    operator = OperatorFactory()
    institution = AdminMembershipFactory()
    achievement = published_achievement(institution, title="钛合金叶片激光熔覆修复", summary="钛合金熔覆修复工艺，激光增材。",
                                        keywords=["钛合金", "熔覆"])
    expert = ExpertFactory(name="赵熔覆")
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text="钛合金激光熔覆")
    demand = published_demand(owner, operator, title="航空叶片修复", summary="寻求叶片激光修复方案。",
                              problem=f"涉及{HIDDEN}工艺参数。", description="", indicators=[], confidentiality=tier)
    assigned = BrokerFactory()
    demand_services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[assigned.pk])
    people = {
        "anonymous": None, "stranger": UserFactory(), "other_enterprise": AdminMembershipFactory().user,
        "broker": BrokerFactory(), "assigned_broker": assigned,
        "owner_member": MembershipFactory(organisation=owner.organisation).user, "operator": operator,
    }
    return demand, achievement, expert, institution.user, people


@pytest.mark.parametrize("tier", ["public", "summary", "private"])
def test_a_demands_matches_only_for_those_who_see_all_of_it(tier, client_for):
    demand, achievement, expert, _institution, people = _world(tier)
    for who, user in people.items():
        allowed = who in PRIVILEGED
        page = client_for(user).get(reverse("demand:detail", args=[demand.pk]))
        shown = page.status_code == 200 and bool(page.context["recommendations"])
        assert shown is allowed, (tier, who, "page")
        experts = page.status_code == 200 and bool(page.context["experts"])
        assert experts is allowed, (tier, who, "experts")
        assert bool(selectors.recommendations_for_demand(user=user, demand=demand)) is allowed, (tier, who)
        assert bool(selectors.experts_for_demand(user=user, demand=demand)) is allowed, (tier, who)
        if user is None:
            continue
        ApiTokenFactory(user=user, raw_token=f"dj_{who}-{tier}")
        headers = {"HTTP_AUTHORIZATION": f"Bearer dj_{who}-{tier}"}
        api = client_for(None).get(f"/api/matching/demands/{demand.pk}/recommendations", **headers)
        assert (api.status_code == 200) is allowed, (tier, who, api.status_code)
        experts_api = client_for(None).get(f"/api/matching/demands/{demand.pk}/experts", **headers)
        if allowed:
            assert [r["achievement_id"] for r in api.json()][:1] == [achievement.pk]
            assert [r["expert_id"] for r in experts_api.json()] == [expert.pk], (tier, who, "experts api")
        else:  # a demand they may not see at all is not found; one they see in part is refused
            sees = tier != "private"
            assert api.status_code == (403 if sees else 404), (tier, who, api.status_code)
            assert experts_api.status_code == (403 if sees else 404), (tier, who, "experts api")
        console = client_for(user).get(reverse("matching:console"))
        watched = console.status_code == 200 and any(row.demand == demand for row in console.context["rows"])
        assert watched is (who == "assigned_broker"), (tier, who, "console")


@pytest.mark.parametrize("tier", ["public", "summary", "private"])
def test_expert_verdicts_and_clicks_only_by_whom_they_were_shown(tier, client_for):
    """Experts for a demand are logged only for those who see all of it, and only each of them may judge
    or open what was shown to them."""
    from duijie.matching.models import Feedback, Impression

    demand, _achievement, expert, _institution, people = _world(tier)
    for user in people.values():
        client_for(user).get(reverse("demand:detail", args=[demand.pk]))
    shown = {row.user_id: row for row in Impression.objects.filter(surface="experts", expert=expert)}
    assert set(shown) == {people[who].pk for who in PRIVILEGED}, tier
    operators = shown[people["operator"].pk]
    for who, user in people.items():
        client = client_for(user)
        client.post(reverse("matching:feedback", args=[operators.pk]), {"verdict": "interested"})
        opened = client.get(reverse("matching:open", args=[operators.pk]))
        assert (opened.status_code == 302 and opened["Location"].endswith(f"/experts/{expert.pk}/")) is (
            who == "operator"), (tier, who, opened.status_code)
    assert list(Feedback.objects.values_list("user", "expert")) == [(people["operator"].pk, expert.pk)]


@pytest.mark.parametrize("tier", ["public", "summary", "private"])
def test_an_achievements_matches_never_show_a_private_demand_nor_quote_a_hidden_detail(tier, client_for):
    demand, achievement, _expert, institution_user, people = _world(tier)
    viewers = {"institution": institution_user, "broker": people["broker"], "operator": people["operator"]}
    for who, user in viewers.items():
        found = selectors.demands_for_achievement(user=user, achievement=achievement)
        listed = demand in [r.demand for r in found]
        assert listed is (tier != "private"), (tier, who)
        for r in found:
            quoted = " ".join([*r.explanation.terms, *(w for pair in r.explanation.translations for w in pair)])
            if tier == "summary":  # the problem is a detail: its words are neither matched nor quoted
                assert "钛合金" not in quoted, (tier, who, quoted)
        page = client_for(user).get(reverse("supply:achievement_detail", args=[achievement.pk])).content.decode()
        assert ("航空叶片修复" in page) is (tier != "private"), (tier, who)
        assert f"涉及{HIDDEN}工艺参数" not in page
    for who in ("stranger", "other_enterprise", "anonymous"):
        assert selectors.demands_for_achievement(user=people[who], achievement=achievement) == [], (tier, who)
