"""Experts recommended for a demand in a real browser: the tracked link, the verdict buttons with a
reason; and the top navigation of the people who see the most items on one line at 1280 px in English."""

from __future__ import annotations

from typing import Any

import pytest

from duijie.demand import services as demand_services
from duijie.matching import selectors
from duijie.matching.models import Feedback, Impression
from duijie.supply.models import ResearchDirection
from tests.demand.helpers import published as published_demand
from tests.e2e.test_demand_browser import sign_in
from tests.factories import AdminMembershipFactory, BrokerFactory, ExpertFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _header_on_one_line(page: Any) -> bool:
    """Whether the brand, every navigation item and the language/account block share one line (each
    one's box overlaps every other's vertically)."""
    return page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('.brand, .site-nav > ul > li, .nav-end')]
            .map(e => e.getBoundingClientRect());
        return Math.max(...boxes.map(b => b.top)) < Math.min(...boxes.map(b => b.bottom));
    }""")


def test_a_broker_judges_and_opens_an_expert_for_a_demand(open_browser):  # type: ignore[no-untyped-def]
    selectors.reset()
    operator = OperatorFactory()
    owner = AdminMembershipFactory()
    expert = ExpertFactory(name="李焊", name_en="Li Han", title="Professor")
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text="焊缝缺陷的机器视觉检测")
    demand = published_demand(owner, operator, title="焊缝缺陷在线检测", summary="寻求焊缝缺陷的机器视觉检测方案。")
    broker = BrokerFactory(full_name="Alexandra Montgomery")
    demand_services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
    # Build the indexes and load the dictionary here, not within the page's first load's time limit.
    assert selectors.experts_for_demand(user=operator, demand=demand)
    selectors.recommendations_for_demand(user=operator, demand=demand)

    session = open_browser(language="en")
    sign_in(session, broker)
    session.goto(f"/demands/{demand.pk}/")
    page = session.page
    assert _header_on_one_line(page)
    item = page.locator("[data-testid=expert]").first
    assert "Li Han" in item.inner_text() and "Professor" in item.inner_text()
    item.locator("input[name=reason]").fill("works on weld inspection")
    item.locator("button[value=interested]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1
    session.screenshot("matching-demand-experts-en")
    verdict = Feedback.objects.get()
    assert (verdict.user, verdict.expert, verdict.achievement, verdict.verdict, verdict.reason) == (
        broker, expert, None, "interested", "works on weld inspection")
    page.locator("[data-testid=expert] a").first.click()
    page.wait_for_url(f"**/experts/{expert.pk}/")
    assert Impression.objects.filter(user=broker, expert=expert, clicked_at__isnull=False).count() == 1
    assert not session.console_errors() and not session.failed and not session.page_errors


@pytest.mark.parametrize("role", ["operator", "broker"])
def test_the_top_navigation_fits_one_line_at_1280_in_english(open_browser, role):  # type: ignore[no-untyped-def]
    """Those with the matching console have the most items (an operator also "Operations")."""
    user = (OperatorFactory if role == "operator" else BrokerFactory)(full_name="Alexandra Montgomery")
    session = open_browser(language="en", viewport=(1280, 900))
    sign_in(session, user)
    session.goto("/")
    labels = session.page.locator(".site-nav > ul > li").all_inner_texts()
    assert "Matching console" in labels and any(t.startswith("Operations") for t in labels) is (role == "operator")
    session.screenshot(f"nav-{role}-en-1280")
    assert _header_on_one_line(session.page)
