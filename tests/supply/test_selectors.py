import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from duijie.supply import selectors
from duijie.supply.selectors import HallQuery
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    OperatorFactory,
    UKOrganisationFactory,
    UserFactory,
)
from tests.supply.helpers import draft, granted_patent, published

pytestmark = pytest.mark.django_db


def q(params: str) -> HallQuery:
    return HallQuery.from_params(QueryDict(params))


def counts(facet):  # type: ignore[no-untyped-def]
    return {row["value"]: row["count"] for row in facet if row["count"]}


def test_draft_is_visible_to_owners_and_operators_only(org_admin):
    item = draft(org_admin)
    colleague = MembershipFactory(organisation=org_admin.organisation).user
    assert list(selectors.achievements_visible_to(colleague)) == [item]
    assert list(selectors.achievements_visible_to(OperatorFactory())) == [item]
    assert list(selectors.achievements_visible_to(AnonymousUser())) == []
    assert list(selectors.achievements_visible_to(UserFactory())) == []
    # The hall shows published items only, even to the owners.
    assert list(selectors.hall_results(user=colleague, query=q(""))) == []
    assert counts(selectors.hall_facets(user=AnonymousUser(), query=q(""))["field"]) == {}


def test_traditional_chinese_query_finds_simplified_text(org_admin):
    item = published(org_admin, title="工业机器人视觉引导系统")
    published(org_admin, title="新型锂电池隔膜")
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("q=機器人"))) == [item]
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("q=%E6%A9%9F%E5%99%A8%E4%BA%BA+%E8%A6%96%E8%A6%BA"))) == [item]


def test_english_translation_is_searchable(org_admin):
    item = published(org_admin, translations={"en": ("Robot vision guidance", "For welding lines.")})
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("q=Vision"))) == [item]


def test_facet_counts_are_exact_and_ignore_their_own_filter(org_admin):
    uk = AdminMembershipFactory(organisation=UKOrganisationFactory())
    a = published(org_admin, fields=["ai.computer-vision"], trl=2, modes=["transfer", "licence"],
                  ip_assets=[granted_patent()])
    b = published(org_admin, fields=["ai"], trl=5, modes=["licence"])
    c = published(uk, fields=["new-materials"], trl=8, price_type="range", price_min=2_000_000, currency="GBP")
    anonymous = AnonymousUser()
    facets = selectors.hall_facets(user=anonymous, query=q(""))
    assert counts(facets["field"]) == {"ai": 2, "new-materials": 1}
    assert counts(facets["stage"]) == {"early": 1, "middle": 1, "mature": 1}
    assert counts(facets["mode"]) == {"transfer": 1, "licence": 2}
    assert counts(facets["country"]) == {"CN": 2, "GB": 1}
    assert counts(facets["ip"]) == {"invention_patent": 1}
    assert facets["granted"][0]["count"] == 1
    assert counts(facets["price"]) == {"negotiable": 2, "gte1000": 1}
    # Filtering on a field narrows the other facets but not the field facet itself.
    filtered = q("field=ai")
    assert set(selectors.hall_results(user=anonymous, query=filtered)) == {a, b}
    facets = selectors.hall_facets(user=anonymous, query=filtered)
    assert counts(facets["field"]) == {"ai": 2, "new-materials": 1}
    assert counts(facets["country"]) == {"CN": 2}
    assert counts(facets["subfield"]) == {"ai.computer-vision": 1}
    assert list(selectors.hall_results(user=anonymous, query=q("field=ai&subfield=ai.computer-vision"))) == [a]
    assert list(selectors.hall_results(user=anonymous, query=q("granted=1"))) == [a]
    assert list(selectors.hall_results(user=anonymous, query=q("price=gte1000"))) == [c]
    assert list(selectors.hall_results(user=anonymous, query=q(f"institution={uk.organisation.pk}"))) == [c]


def test_sorting_by_views_and_relevance(org_admin):
    from duijie.supply import services

    old = published(org_admin, title="视觉检测装置", summary="一种装置")
    new = published(org_admin, title="锂电池材料", summary="可用于视觉检测的材料")
    services.achievement_record_view(achievement=old, visitor="x", user_agent="Firefox")
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("sort=views"))) == [old, new]
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("q=视觉检测"))) == [old, new]
    assert list(selectors.hall_results(user=AnonymousUser(), query=q(""))) == [new, old]


def test_hall_query_ignores_unknown_values():
    query = q("stage=bogus&ip=nope&price=cheap&sort=random&institution=abc")
    assert (query.stage, query.ip, query.price, query.sort, query.institution) == ([], [], [], "newest", [])


def test_relevance_ranks_titles_first_for_a_traditional_query(org_admin):
    in_summary = published(org_admin, title="锂电池材料", summary="可用于工业机器人的电池")
    in_title = published(org_admin, title="工业机器人控制器", summary="控制器")
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("q=機器人"))) == [in_title, in_summary]


def test_country_filter_is_case_insensitive(org_admin):
    item = published(org_admin)
    assert list(selectors.hall_results(user=AnonymousUser(), query=q("country=cn"))) == [item]
