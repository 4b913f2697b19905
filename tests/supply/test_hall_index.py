"""The hall's keyword index (``hallsearch``) and in-memory index (``hallindex``): what they match,
that they follow every change, and that facet counts equal a count done by hand over the database."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from duijie.core.text import normalise_for_search
from duijie.supply import hallindex, selectors, services
from duijie.supply.enums import PUBLIC_STATUSES
from duijie.supply.hallsearch import index_tokens, query_phrases
from duijie.supply.models import Achievement, HallChange, HallState
from duijie.taxonomy.models import TechField
from tests.factories import AdminMembershipFactory, UKOrganisationFactory
from tests.supply.helpers import data, granted_patent, published

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


def q(params: str) -> selectors.HallQuery:
    return selectors.HallQuery.from_params(QueryDict(params))


def hall(params: str) -> list[int]:
    return [a.pk for a in selectors.hall_results(user=ANON, query=q(params))]


@pytest.mark.parametrize(("text", "tokens"), [
    ("机器人", "机器 器人 人"),
    ("機器人", "机器 器人 人"),  # Traditional is indexed as Simplified
    ("3D打印 X-Ray", "3d 打印 印 x ray"),
    ("ＡＩ质检", "ai 质检 检"),  # full-width folded
    ("锂", "锂"),
    ("", ""),
])
def test_index_tokens(text, tokens):
    assert index_tokens(text) == tokens


@pytest.mark.parametrize(("query", "phrases"), [
    ("机器人", [[("机器", False), ("器人", False)]]),
    ("锂", [[("锂", True)]]),
    ("a锂b", [[("a", False), ("锂", False), ("b", True)]]),
    ("电池3d", [[("电池", False), ("池", False), ("3d", True)]]),
    ("control 機器", [[("control", True)], [("机器", False)]]),
    ("!!! ——", []),
])
def test_query_phrases(query, phrases):
    assert query_phrases(query) == phrases


@pytest.mark.parametrize(("text", "query", "found"), [
    ("新型锂电池隔膜", "电池", True),
    ("新型锂电池隔膜", "锂", True),
    ("新型锂电池隔膜", "膜", True),  # the last character of a run
    ("新型锂电池隔膜", "池隔", True),
    ("新型锂电池隔膜", "电池片", False),
    ("电池组", "电池", True),
    ("机器，人工智能", "器人", False),  # never across punctuation
    ("工业機器人", "机器人", True),
    ("工业机器人", "機器人", True),
    ("ＡＩ质检平台", "ai质检", True),
    ("machine vision controller", "control", True),  # words match by their beginning
    ("machine vision controller", "troller", False),
    ("x-ray imaging", "x-ray", True),
    ("x-ray imaging", "ray imag", True),  # two terms, both must match
    ("深度学习 motion control", "深度学习 control", True),
    ("深度学习", "深度学习 control", False),
    ("3D打印钛合金", "3d打印", True),
    ("3D打印钛合金", "d打印", False),
])
def test_keyword_search_through_the_database_index(org_admin, text, query, found):
    item = published(org_admin, title=text, summary="摘要", keywords=[])
    assert (hall("q=" + query) == [item.pk]) is found


def test_a_query_of_punctuation_only_is_ignored(org_admin):
    item = published(org_admin)
    assert hall("q=%21%21%21") == [item.pk]


# --- freshness -------------------------------------------------------------------------------------

def test_publish_edit_and_archive_show_at_the_next_request(org_admin, operator):
    first = published(org_admin, title="钙钛矿太阳能电池")
    assert hall("") == [first.pk]  # the index is built now
    second = published(org_admin, title="固态电池电解质", fields=["new-energy"])
    assert hall("q=电池") == [second.pk, first.pk]
    assert selectors.hall_facets(user=ANON, query=q(""))["field"][0]["count"] >= 0
    services.achievement_update(actor=org_admin.user, achievement=second,
                                data=data(title="固态电解质隔膜", fields=["new-energy"]))
    assert hall("q=电池") == [first.pk]
    assert hall("q=隔膜") == [second.pk]
    services.achievement_transition(actor=operator, achievement=first, name="archive")
    assert hall("") == [second.pk]
    assert hall("q=钙钛矿") == []
    counts = {f["value"]: f["count"] for f in selectors.hall_facets(user=ANON, query=q(""))["field"] if f["count"]}
    assert counts == {"new-energy": 1}


def test_a_patched_index_equals_one_built_from_scratch(org_admin, operator):
    rng = random.Random(7)
    items = [published(org_admin, title=f"样品{i}", fields=[rng.choice(["ai", "new-energy", "ai.computer-vision"])],
                       trl=rng.randint(1, 9)) for i in range(6)]
    hallindex.snapshot()
    for step in range(12):
        item = Achievement.objects.get(pk=rng.choice(items).pk)
        if item.status == "published" and step % 3 == 0:
            services.achievement_transition(actor=operator, achievement=item, name="archive")
        elif item.status == "archived":
            services.achievement_transition(actor=operator, achievement=item, name="restore")
        else:
            services.achievement_update(actor=org_admin.user, achievement=item, data=data(
                title=f"改{step}", fields=[rng.choice(["ai", "new-materials"])], trl=rng.randint(1, 9),
                modes=rng.sample(["transfer", "licence"], rng.randint(0, 2))))
        patched = hallindex.snapshot()
        built = hallindex.build(patched.revision, patched.stamp)
        assert_same_index(patched, built)


def assert_same_index(a: hallindex.Snapshot, b: hallindex.Snapshot) -> None:
    for name in ("ids", "published", "organisations", "stages", "prices", "granted", "views", "newest", "most_viewed"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.titles == b.titles
    for name in ("fields", "tops", "modes", "ip"):
        pairs = lambda links: sorted(zip(links.rows.tolist(), links.values.tolist(), strict=True))  # noqa: E731
        assert pairs(getattr(a, name)) == pairs(getattr(b, name)), name


def test_an_index_of_another_history_is_rebuilt(org_admin):
    item = published(org_admin)
    old = hallindex.snapshot()
    assert old.ids.tolist() == [item.pk]
    # A restored backup: the revision moved on, but the one this process indexed is not in it.
    HallChange.objects.all().delete()
    HallState.objects.filter(pk=1).update(revision=old.revision + 5, stamp="restored")
    Achievement.objects.filter(pk=item.pk).update(status="archived")
    fresh = hallindex.snapshot()
    assert fresh is not old and fresh.ids.tolist() == []


def test_view_counts_are_reread_after_their_time_to_live(org_admin, settings):
    settings.DUIJIE_HALL_VIEWS_TTL = 3600
    old = published(org_admin, title="甲")
    new = published(org_admin, title="乙")
    assert hall("sort=views") == [new.pk, old.pk]  # no views: newest first
    services.achievement_record_view(achievement=old, visitor="v1", user_agent="Firefox")
    assert hall("sort=views") == [new.pk, old.pk]  # within the time to live
    settings.DUIJIE_HALL_VIEWS_TTL = 0
    assert hall("sort=views") == [old.pk, new.pk]


def test_import_updates_reach_the_hall(org_admin, operator):
    item = published(org_admin, title="旧标题", external_id="X-1")
    assert hall("q=旧标题") == [item.pk]
    outcome = services.achievements_import(actor=org_admin.user, organisation=org_admin.organisation,
                                           items=[data(title="新标题", external_id="X-1", fields=["new-materials"])])
    assert outcome.updated == 1
    assert hall("q=旧标题") == [] and hall("q=新标题") == [item.pk]
    assert hall("field=new-materials") == [item.pk]


# --- facet counts against a count by hand ------------------------------------------------------------

def test_facets_and_results_equal_a_count_by_hand(org_admin, operator):
    rng = random.Random(2026)
    uk = AdminMembershipFactory(organisation=UKOrganisationFactory())
    other = AdminMembershipFactory()
    field_codes = ["ai", "ai.computer-vision", "ai.machine-learning", "new-energy", "new-materials"]
    field_codes = [c for c in field_codes if TechField.objects.filter(code=c).exists()]
    words = ["电池", "机器视觉", "材料", "算法"]
    for i in range(36):
        owner = rng.choice([org_admin, uk, other])
        kwargs: dict[str, Any] = {
            "title": "".join(rng.sample(words, 2)) + f"{i}", "summary": rng.choice(words),
            "fields": rng.sample(field_codes, rng.randint(1, 2)), "trl": rng.choice([None, 2, 5, 8]),
            "modes": rng.sample(["transfer", "licence", "joint-lab"], rng.randint(0, 2)),
        }
        if rng.random() < 0.3:
            kwargs["ip_assets"] = [granted_patent()]
        if rng.random() < 0.4:
            kwargs.update(price_type="range", price_min=rng.choice([50_000, 500_000, 20_000_000]))
        item = published(owner, operator, **kwargs)
        if rng.random() < 0.15:
            services.achievement_transition(actor=operator, achievement=item, name="archive")
    states = ["", "field=ai", "field=ai&subfield=ai.computer-vision", "stage=middle&stage=mature", "granted=1",
              "mode=licence", "mode=licence&mode=joint-lab&field=new-energy", "ip=invention_patent&stage=early",
              "country=GB", "country=CN&price=gte1000", f"institution={uk.organisation.pk}&mode=transfer",
              "q=电池", "q=电池 材料&field=ai", "price=negotiable&price=lt10&granted=1"]
    for state in states:
        query = q(state)
        expected_ids, expected = count_by_hand(query)
        assert sorted(hall(state)) == sorted(expected_ids), state
        facets = selectors.hall_facets(user=ANON, query=query)
        got = {name: {e["value"]: e["count"] for e in entries if e["count"]} for name, entries in facets.items()}
        got["granted"] = {True: facets["granted"][0]["count"]} if facets["granted"][0]["count"] else {}
        for name, counts in expected.items():
            assert got.get(name, {}) == counts, (state, name)


def count_by_hand(query: selectors.HallQuery) -> tuple[list[int], dict[str, dict[Any, int]]]:
    """The items and facet counts of ``query``, from the database rows, one item at a time."""
    items = []
    for a in Achievement.objects.filter(status__in=PUBLIC_STATUSES).select_related("organisation__country"):
        codes = set(a.fields.values_list("code", flat=True))
        tops = {c.split(".")[0] for c in codes}
        items.append({
            "pk": a.pk, "codes": codes, "tops": tops, "org": a.organisation_id,
            "country": a.organisation.country.code, "stage": a.stage, "price": a.price_band,
            "granted": a.has_granted_patent, "modes": set(a.cooperation_modes.values_list("code", flat=True)),
            "ip": set(a.ip_assets.values_list("ip_type", flat=True)), "text": a.search_text,
        })
    words = normalise_for_search(query.q).split()
    tests = {
        "q": lambda i: all(w in i["text"] for w in words) if words else True,
        "field": lambda i: query.field in i["tops"] or query.field in i["codes"] if query.field else True,
        "subfield": lambda i: query.subfield in i["codes"] if query.subfield else True,
        "institution": lambda i: i["org"] in query.institution if query.institution else True,
        "country": lambda i: i["country"] in query.country if query.country else True,
        "stage": lambda i: i["stage"] in query.stage if query.stage else True,
        "mode": lambda i: bool(i["modes"] & set(query.mode)) if query.mode else True,
        "ip": lambda i: bool(i["ip"] & set(query.ip)) if query.ip else True,
        "granted": lambda i: i["granted"] if query.granted else True,
        "price": lambda i: i["price"] in query.price if query.price else True,
    }

    def passing(*except_: str) -> list[dict[str, Any]]:
        return [i for i in items if all(test(i) for name, test in tests.items() if name not in except_)]

    def tally(values: Any) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for value in values:
            out[value] = out.get(value, 0) + 1
        return out

    expected = {
        "field": tally(t for i in passing("field", "subfield") for t in i["tops"]),
        "institution": tally(i["org"] for i in passing("institution")),
        "country": tally(i["country"] for i in passing("country")),
        "stage": tally(i["stage"] for i in passing("stage") if i["stage"]),
        "mode": tally(m for i in passing("mode") for m in i["modes"]),
        "ip": tally(t for i in passing("ip") for t in i["ip"]),
        "granted": tally(True for i in passing("granted") if i["granted"]),
        "price": tally(i["price"] for i in passing("price")),
    }
    if query.field:
        expected["subfield"] = tally(c for i in passing("subfield") for c in i["codes"]
                                     if c.startswith(query.field + "."))
    return [i["pk"] for i in passing()], expected
