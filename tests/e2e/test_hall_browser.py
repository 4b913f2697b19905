"""The exhibition hall in a real browser: filter by a facet, search, open a detail page."""

from __future__ import annotations

import re

import pytest

from tests.factories import AdminMembershipFactory, UKOrganisationFactory
from tests.supply.helpers import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_hall_filter_search_and_detail(open_browser, language):  # type: ignore[no-untyped-def]
    owner = AdminMembershipFactory()
    robot = published(owner, title="工业机器人视觉引导系统", fields=["ai.computer-vision"], trl=7,
                      translations={"en": ("Vision guidance for industrial robots", "Guides welding robots.")})
    published(owner, title="新型锂电池隔膜", fields=["new-materials"], trl=4)
    published(AdminMembershipFactory(organisation=UKOrganisationFactory()), title="Graphene membranes",
              language="en", fields=["new-materials"], trl=5)

    session = open_browser(language=language)
    page = session.page
    session.goto("/hall/")
    count = page.locator("[data-testid=result-count]")

    def shown() -> int:
        return int(re.search(r"\d+", count.inner_text()).group())  # "3 achievements" / "共 3 项成果"

    assert shown() == 3
    # Ticking a facet reloads the hall with that filter in the URL (shareable).
    page.locator("input[name=field][value=ai]").check()
    page.wait_for_url("**/hall/?*field=ai*")
    assert shown() == 1
    session.screenshot(f"hall-filtered-{language}")
    # A Traditional-Chinese search finds the Simplified title.
    page.locator("input[name=field][value='']").check()
    page.wait_for_url("**/hall/?*field=&*")
    page.fill("#hall-q", "機器人")
    page.locator(".hall-search button[type=submit]").click()
    page.wait_for_url("**q=*")
    assert shown() == 1
    expected_title = "工业机器人视觉引导系统" if language == "zh-hans" else "Vision guidance for industrial robots"
    page.get_by_role("link", name=expected_title).click()
    page.wait_for_url(f"**/hall/achievements/{robot.pk}/")
    assert page.locator("main h1").inner_text() == expected_title
    assert page.locator("html").get_attribute("lang") == language
    session.screenshot(f"hall-detail-{language}")
    assert session.page_errors == []
