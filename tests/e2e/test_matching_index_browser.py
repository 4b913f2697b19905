"""The operators' matching index page in a real browser: where the index stands, a rebuild started from
the page whose progress the page follows until it is done."""

from __future__ import annotations

import pytest

from duijie.matching import indexes, selectors
from tests.e2e.test_demand_browser import sign_in
from tests.factories import AdminMembershipFactory, OperatorFactory
from tests.supply.helpers import published as published_achievement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_operator_rebuilds_the_index_from_its_page(open_browser, language):  # type: ignore[no-untyped-def]
    selectors.reset()
    operator = OperatorFactory()
    owner = AdminMembershipFactory()
    for n in range(3):
        published_achievement(owner, operator, title=f"锂电池极片激光切割 {n}", summary="高速激光切割。")
    # Built here, with the dictionary loaded, not within the page's first load's time limit.
    assert indexes.achievements().size == 3
    session = open_browser(language=language)
    sign_in(session, operator)
    session.goto("/matching/index/")
    page = session.page
    assert page.locator("[data-testid=index-docs]").inner_text() == "3"
    before = indexes.live_state()["generation"]
    page.locator("[data-testid=index-rebuild]").click()
    page.wait_for_load_state()
    # The page polls while the build runs; it ends on the finished build and offers a rebuild again.
    page.locator("[data-testid=index-rebuild]").wait_for(timeout=20_000)
    assert indexes.status().state == "done"
    assert indexes.live_state()["generation"] != before
    assert page.locator("[data-testid=index-build-state]").inner_text().count("3") >= 2  # "3 of 3"
    session.screenshot(f"matching-index-{language}")
