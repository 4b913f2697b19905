"""A docking case in a real browser, from request to intent signed: the enterprise asks, the team
accepts (contacts appear), the operator assigns the proposed broker, the broker drags the card across
the kanban board, records a meeting and the cooperation intent. Screenshots of the board in zh-hans
and en."""

from __future__ import annotations

from datetime import date

import pytest

from duijie.docking.models import DockingRequest
from tests.docking.helpers import Parties
from tests.e2e.test_demand_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def drag(page, case_pk: int, stage: str) -> None:  # type: ignore[no-untyped-def]
    page.drag_and_drop(f"[data-testid=card-{case_pk}]", f"[data-testid=column-{stage}]")
    page.wait_for_selector(f"[data-testid=column-{stage}] [data-testid=card-{case_pk}]")


def test_case_from_request_to_intent_signed_with_the_kanban_drag(open_browser) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    achievement = parties.achievement

    enterprise = open_browser(language="zh-hans")
    sign_in(enterprise, parties.requester)
    enterprise.goto(f"/hall/achievements/{achievement.pk}/")
    enterprise.page.fill("#docking textarea[name=message]", "我们希望引进该技术用于产线质检，请联系。")
    enterprise.page.locator("#docking button[type=submit]").click()
    enterprise.page.wait_for_url("**/docking/cases/*/")
    case = DockingRequest.objects.get()
    assert enterprise.page.locator("[data-testid=case-stage]").inner_text() == "已申请"
    assert enterprise.page.locator("[data-testid=contacts-hidden]").is_visible()

    team = open_browser(language="en")
    sign_in(team, parties.owner)
    team.goto("/notifications/")
    team.page.locator("[data-testid=notification] a").first.click()
    team.page.wait_for_url(f"**/docking/cases/{case.pk}/")
    team.page.locator("[data-testid=transition-accept] button").click()
    team.page.wait_for_url(f"**/docking/cases/{case.pk}/")
    assert team.page.locator("[data-testid=case-stage]").inner_text() == "Accepted"
    assert "13800000002" in team.page.locator("[data-testid=requester-contact]").inner_text()

    desk = open_browser(language="zh-hans")
    sign_in(desk, parties.operator)
    desk.goto(f"/docking/cases/{case.pk}/")
    desk.page.locator("[data-testid=proposals] button").first.click()
    desk.page.wait_for_url(f"**/docking/cases/{case.pk}/")
    assert desk.page.locator("[data-testid=case-broker]").inner_text() == parties.broker.full_name

    runner = open_browser(language="zh-hans", viewport=(1600, 900))
    sign_in(runner, parties.broker)
    runner.goto("/docking/board/")
    drag(runner.page, case.pk, "meeting")
    assert DockingRequest.objects.get(pk=case.pk).status == "meeting"
    # A move the pipeline refuses says so, and the card stays.
    drag_refused = runner.page
    drag_refused.drag_and_drop(f"[data-testid=card-{case.pk}]", "[data-testid=column-contracted]")
    try:
        drag_refused.wait_for_selector("[data-testid=board-error]")
    except Exception:
        runner.screenshot("debug-drag")
        print("REQUESTS", runner.requests[-6:], runner.failed, runner.console, runner.page_errors)
        raise
    assert DockingRequest.objects.get(pk=case.pk).status == "meeting"
    # The keyboard way: the card's own "move to" menu.
    runner.page.select_option(f"#move-{case.pk}", "negotiating")
    runner.page.locator(f"[data-testid=card-{case.pk}] .kanban-move button").press("Enter")
    runner.page.wait_for_selector(f"[data-testid=column-negotiating] [data-testid=card-{case.pk}]")
    assert DockingRequest.objects.get(pk=case.pk).status == "negotiating"
    runner.screenshot("docking-board-zh-hans")

    runner.goto(f"/docking/cases/{case.pk}/")
    page = runner.page
    page.select_option("[data-testid=entry-form] select[name=kind]", "meeting")
    page.fill("[data-testid=entry-form] input[name=starts_at]", "2026-12-10T10:00")
    page.fill("[data-testid=entry-form] input[name=location]", "苏州大学天赐庄校区")
    page.locator("[data-testid=entry-form] button[type=submit]").click()
    page.wait_for_url(f"**/docking/cases/{case.pk}/")
    assert page.locator("a[href$='.ics']").count() == 1
    page.locator("[data-testid=intents] summary").click()
    page.fill("[data-testid=intent-form] textarea[name=scope]", "共建视觉检测联合实验室")
    page.fill("[data-testid=intent-form] input[name=estimated_amount]", "500000")
    page.fill("[data-testid=intent-form] input[name=signed_on]", date.today().isoformat())
    page.locator("[data-testid=intent-form] button[type=submit]").click()
    page.wait_for_url(f"**/docking/cases/{case.pk}/")
    page.locator("[data-testid=transition-sign_intent] button").click()
    page.wait_for_url(f"**/docking/cases/{case.pk}/")
    assert page.locator("[data-testid=case-stage]").inner_text() == "已签意向"
    runner.screenshot("docking-case-zh-hans")

    english = open_browser(language="en", viewport=(1600, 900))
    sign_in(english, parties.operator)
    english.goto("/docking/board/")
    assert english.page.locator(f"[data-testid=column-intent_signed] [data-testid=card-{case.pk}]").count() == 1
    english.screenshot("docking-board-en")
    english.goto(f"/docking/cases/{case.pk}/")
    english.screenshot("docking-case-en")
    for session in (enterprise, team, desk, runner, english):
        assert not session.page_errors and not session.console_errors(), (session.page_errors, session.console)
