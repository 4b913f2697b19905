"""Matching in a real browser: the recommendations on a demand with their reasons and verdict buttons,
and the broker console."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duijie.demand import services as demand_services
from duijie.matching import selectors
from duijie.matching.models import Feedback
from tests.demand.helpers import published as published_demand
from tests.e2e.test_demand_browser import sign_in
from tests.factories import AdminMembershipFactory, BrokerFactory, OperatorFactory
from tests.supply.helpers import published as published_achievement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_broker_judges_recommendations_and_sees_the_console(open_browser):  # type: ignore[no-untyped-def]
    selectors.reset()
    operator = OperatorFactory()
    owner = AdminMembershipFactory()
    fits = published_achievement(AdminMembershipFactory(), title="焊缝缺陷检测系统", summary="机器视觉检测焊缝缺陷。",
                                 fields=["ai.computer-vision"], trl=7, price_type="range",
                                 price_min=Decimal(200_000), price_max=Decimal(300_000))
    demand = published_demand(owner, operator, title="焊缝缺陷在线检测", summary="寻求焊缝缺陷的机器视觉检测方案。",
                              fields=["ai.computer-vision"], trl_needed=6, budget_type="range",
                              budget_min=Decimal(100_000), budget_max=Decimal(500_000))
    broker = BrokerFactory()
    demand_services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])

    session = open_browser(language="zh-hans")
    sign_in(session, broker)
    session.goto("/matching/console/")
    page = session.page
    assert page.locator("[data-testid=new]").count() == 1
    assert page.locator("[data-testid=signal]").count() >= 2
    session.screenshot("matching-console-zh-hans")
    session.goto(f"/demands/{demand.pk}/")
    item = page.locator("[data-testid=recommendation]").first
    assert fits.title in item.inner_text()
    item.locator("input[name=reason]").fill("指标对口")
    item.locator("button[value=interested]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1
    session.screenshot("matching-demand-zh-hans")
    verdict = Feedback.objects.get()
    assert (verdict.user, verdict.achievement, verdict.verdict, verdict.reason) == (broker, fits, "interested",
                                                                                  "指标对口")
    assert not session.console_errors() and not session.failed
    english = open_browser(language="en")
    sign_in(english, broker)
    english.goto(f"/demands/{demand.pk}/")
    assert "shares a technology field" in english.page.locator("[data-testid=recommendation]").first.inner_text()
    english.screenshot("matching-demand-en")
