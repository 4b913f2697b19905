"""Recommendations on a demand's page: the engine over the hall's public achievements, shown only to
those who may see the whole demand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from duijie.matching import selectors
from tests.demand.helpers import published as published_demand
from tests.factories import AdminMembershipFactory, BrokerFactory, UKOrganisationFactory, UserFactory
from tests.supply.helpers import published as published_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():  # type: ignore[no-untyped-def]
    selectors.reset()


def test_a_chinese_demand_is_matched_to_an_english_achievement_with_the_reason(org_admin, operator, client_for):
    uk = AdminMembershipFactory(organisation=UKOrganisationFactory())
    english = published_achievement(uk, title="Laser cutting of battery electrode sheets", language="en",
                                    summary="High-speed laser cutting with low burrs for lithium batteries.",
                                    keywords=["laser cutting", "battery"])
    published_achievement(AdminMembershipFactory(), title="农业无人机植保系统", summary="提高喷洒均匀度。", keywords=[])
    demand = published_demand(org_admin, operator, title="电池极片激光切割", summary="寻求高速激光切割方案。",
                              problem="毛刺", confidentiality="private")
    page = client_for(org_admin.user).get(reverse("demand:detail", args=[demand.pk]))
    recommendations = page.context["recommendations"]
    assert recommendations[0].achievement == english
    assert ("激光", "laser") in recommendations[0].explanation.translations
    assert "Laser cutting of battery electrode sheets" in page.content.decode()
    # The same for an assigned broker and operators; nobody else sees recommendations of a demand.
    broker = BrokerFactory()
    from duijie.demand import services

    services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
    assert client_for(broker).get(reverse("demand:detail", args=[demand.pk])).context["recommendations"]
    assert selectors.recommendations_for_demand(user=UserFactory(), demand=demand) == []


def test_the_index_follows_the_hall(org_admin, operator):
    demand = published_demand(org_admin, operator, title="焊缝缺陷检测", summary="在线检测焊缝缺陷。")
    assert selectors.recommendations_for_demand(user=operator, demand=demand) == []
    item = published_achievement(AdminMembershipFactory(), title="焊缝缺陷的深度学习检测", summary="识别焊缝气孔。")
    assert [r.achievement for r in selectors.recommendations_for_demand(user=operator, demand=demand)] == [item]
    from duijie.supply import services as supply_services

    supply_services.achievement_transition(actor=operator, achievement=item, name="archive")
    assert selectors.recommendations_for_demand(user=operator, demand=demand) == []


@pytest.mark.parametrize(("tier", "where", "recommended"), [
    ("public", "summary", True),  # public: everything but the contact may be matched
    ("public", "problem", True),
    ("summary", "summary", True),  # summary-only: the summary is public
    ("summary", "problem", False),  # … its details are not: never matched, never explained
    ("private", "summary", False),  # private: never on the board, never recommended
])
def test_demands_recommended_for_an_achievement_rest_on_public_text_only(org_admin, operator, client_for, tier,
                                                                         where, recommended):
    owner = AdminMembershipFactory()
    achievement = published_achievement(owner, title="钛合金激光熔覆修复", summary="钛合金叶片的激光熔覆修复工艺。")
    words = {"summary": "寻求钛合金熔覆修复方案。", "problem": "涉及钛合金熔覆修复。"}
    demand = published_demand(org_admin, operator, title="设备维修需求", confidentiality=tier,
                              summary=words["summary"] if where == "summary" else "寻求合作。",
                              problem=words["problem"] if where == "problem" else "保密。", indicators=[],
                              description="")
    found = selectors.demands_for_achievement(user=owner.user, achievement=achievement)
    assert (demand in [r.demand for r in found]) is recommended, (tier, where)
    for r in found:  # explanations quote only what the tier shows to anyone
        assert all(term in r.demand.public_text for term in r.explanation.terms)
    page = client_for(owner.user).get(reverse("supply:achievement_detail", args=[achievement.pk]))
    assert ("设备维修需求" in page.content.decode()) is recommended
    assert selectors.demands_for_achievement(user=UserFactory(), achievement=achievement) == []
