"""The demand chain in a real browser: an enterprise submits a demand, an operator screens and
publishes it, and it appears on the public board."""

from __future__ import annotations

import pytest

from duijie.demand.models import Demand
from duijie.taxonomy.models import TechField
from tests.factories import PASSWORD, AdminMembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(session, user) -> None:  # type: ignore[no-untyped-def]
    session.goto("/accounts/sign-in/")
    session.page.fill("#id_username", user.email)
    session.page.fill("#id_password", PASSWORD)
    session.page.locator("main form button[type=submit]").click()
    session.page.wait_for_url(lambda url: "/sign-in/" not in url)


def test_enterprise_submits_operator_publishes_board_shows(open_browser):  # type: ignore[no-untyped-def]
    owner = AdminMembershipFactory()
    operator = OperatorFactory()

    enterprise = open_browser(language="zh-hans")
    sign_in(enterprise, owner.user)
    page = enterprise.page
    enterprise.goto("/demands/new/")
    page.fill("#id_title", "锂电池极片高速激光切割")
    page.fill("#id_summary", "寻求 60 米每分钟、低毛刺的极片切割方案。")
    page.locator("input[name=confidentiality][value=public]").check()
    page.fill("#id_problem", "现有模切毛刺超过 10 微米。")
    page.fill("#id_indicators", "切割速度 | ≥ 60 | m/min")
    page.select_option("#id_fields", value=str(TechField.objects.get(code="new-energy").pk))
    enterprise.screenshot("demand-form-zh-hans")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/demands/*/")
    demand = Demand.objects.get()
    assert page.locator("[data-testid=demand-status]").inner_text() == "已征集"
    page.locator("form.transition-form button").first.click()  # 确认并提交甄别
    page.wait_for_url(f"**/demands/{demand.pk}/")
    assert page.locator("[data-testid=demand-status]").inner_text() == "甄别中"

    desk = open_browser(language="zh-hans")
    sign_in(desk, operator)
    desk.goto("/demands/screening/")
    desk.page.get_by_role("link", name="锂电池极片高速激光切割").click()
    desk.page.wait_for_url(f"**/demands/{demand.pk}/")
    publish = desk.page.locator("form.transition-form", has=desk.page.locator("input[name=name][value=publish]"))
    for box in publish.locator("input[name=checklist]").all():
        box.check()
    desk.screenshot("demand-screening-zh-hans")
    publish.locator("button").click()
    desk.page.wait_for_url(f"**/demands/{demand.pk}/")
    assert desk.page.locator("[data-testid=demand-status]").inner_text() == "已发布"

    visitor = open_browser(language="en")
    visitor.goto("/demands/")
    assert visitor.page.get_by_role("link", name="锂电池极片高速激光切割").is_visible()
    visitor.screenshot("demand-board-en")
    assert enterprise.page_errors == desk.page_errors == visitor.page_errors == []


def test_a_challenge_from_publication_to_a_teams_application(open_browser):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    from duijie.demand import services
    from duijie.demand.models import Application
    from tests.demand.helpers import published
    from tests.demand.test_challenges import terms
    from tests.factories import UKOrganisationFactory

    owner = AdminMembershipFactory()
    operator = OperatorFactory()
    demand = published(owner, operator, title="厚板焊缝在线检测揭榜")
    now = timezone.now()
    challenge = services.challenge_create(actor=owner.user, demand=demand, data=terms(
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=20)))
    for _ in range(2):
        challenge = services.challenge_advance(actor=operator, challenge=challenge)

    desk = open_browser(language="en")
    sign_in(desk, operator)
    desk.goto(f"/demands/challenges/{challenge.pk}/")
    assert desk.page.locator("[data-testid=challenge-stage]").inner_text() == "Site visit"
    desk.page.get_by_role("button", name="Next stage").click()  # 发榜: the list is published
    desk.page.wait_for_url(f"**/demands/challenges/{challenge.pk}/")
    assert desk.page.locator("[data-testid=challenge-stage]").inner_text() == "List published (发榜)"

    team = AdminMembershipFactory(organisation=UKOrganisationFactory())
    applicant = open_browser(language="en")
    sign_in(applicant, team.user)
    applicant.goto("/demands/challenges/")
    applicant.page.get_by_role("link", name="厚板焊缝在线检测揭榜").click()
    applicant.page.wait_for_url(f"**/demands/challenges/{challenge.pk}/")
    page = applicant.page
    page.select_option("#id_organisation", value=str(team.organisation.pk))
    page.fill("#id_proposal", "Phased-array ultrasound with learned defect classification.")
    page.fill("#id_technical_route", "Lab trials, then a pilot line.")
    page.fill("#id_budget", "2400000")
    page.fill("#id_timeline", "18 months")
    page.fill("#id_team", "Two professors, four PhD students.")
    applicant.screenshot("challenge-apply-en")
    page.get_by_role("button", name="Submit the application").click()
    page.wait_for_url(f"**/demands/challenges/{challenge.pk}/")
    assert Application.objects.get().organisation == team.organisation
    assert page.get_by_role("cell", name=str(team.organisation.display_name)).is_visible()
    applicant.screenshot("challenge-applied-en")
    assert desk.page_errors == applicant.page_errors == []
