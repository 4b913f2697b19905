from datetime import UTC, datetime

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from duijie.supply.models import Achievement, AchievementTranslation
from duijie.supply.workflow import ScreeningCheck
from tests.factories import (
    AchievementFactory,
    ApiTokenFactory,
    ExpertFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.helpers import english, get_counting_queries, warm_hall

URL = "/api/supply/achievements"
MARCH_1 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
MARCH_2 = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
MARCH_3 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
ROBOTS = "intelligent-equipment.industrial-robots"
PRINTING = "advanced-manufacturing.additive-manufacturing"
MACHINING = "advanced-manufacturing.precision-machining"
NOT_FOUND = {"code": "not_found", "message": "Not found.", "fields": {}}
PERMISSION_DENIED = {"code": "permission_denied", "message": "You do not have permission to do this.", "fields": {}}
NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Sign in or send a valid API token to use this endpoint.",
    "fields": {},
}
ALL_TICKED = list(ScreeningCheck.ITEMS)


@pytest.fixture
def api() -> Client:
    """An anonymous API client that asks for English."""
    return Client(headers={"accept-language": "en"})


def session_client(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def iso(moment: datetime | None) -> str | None:
    """A datetime as the API writes it."""
    return None if moment is None else DjangoJSONEncoder().default(moment)


def draft_with_owner(**kwargs):  # type: ignore[no-untyped-def]
    """A draft and a member of its institution."""
    draft = AchievementFactory(status="draft", published_at=None, **kwargs)
    return draft, MembershipFactory(organisation=draft.organisation).user


def item_json(achievement: Achievement, *, fields: list[str]) -> dict:
    return {
        "id": achievement.pk,
        "title": achievement.title,
        "summary": achievement.summary,
        "language": "zh-hans",
        "organisation": {"id": achievement.organisation.pk, "name": achievement.organisation.name_en},
        "fields": fields,
        "stage": achievement.stage,
        "trl": achievement.trl,
        "status": achievement.status,
        "view_count": achievement.view_count,
        "published_at": iso(achievement.published_at),
        "has_granted_patent": False,
        "price_band": "negotiable",
    }


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [item["id"] for item in response.json()["items"]]


def counts(facet: list[dict]) -> dict:
    """The facet values with a non-zero count."""
    return {entry["value"]: entry["count"] for entry in facet if entry["count"]}


def create_body(organisation_id: int, **overrides) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "organisation": organisation_id,
        "title": "柔性电子皮肤传感器",
        "summary": "可拉伸的压力传感阵列。",
        "fields": [PRINTING],
    }
    return body | overrides


# --- the hall list ---------------------------------------------------------------------------------


def test_achievement_list_has_page_shape(db, api):
    oldest = AchievementFactory(published_at=MARCH_1, trl=7, stage="mature", view_count=12, fields=[ROBOTS])
    middle = AchievementFactory(published_at=MARCH_2, fields=[PRINTING, ROBOTS])
    newest = AchievementFactory(published_at=MARCH_3)

    response = api.get(URL, {"page_size": 2})

    assert response.status_code == 200
    assert response.json() == {
        "items": [item_json(newest, fields=[]), item_json(middle, fields=[PRINTING, ROBOTS])],
        "count": 3,
        "page": 1,
        "page_size": 2,
        "pages": 2,
    }
    assert api.get(URL, {"page_size": 2, "page": 2}).json() == {
        "items": [item_json(oldest, fields=[ROBOTS])],
        "count": 3,
        "page": 2,
        "page_size": 2,
        "pages": 2,
    }


def test_achievement_list_empty_has_one_page(db, api):
    assert api.get(URL).json() == {"items": [], "count": 0, "page": 1, "page_size": 20, "pages": 1}


def test_achievement_list_page_size_over_100_is_422(db, api):
    response = api.get(URL, {"page_size": 101})
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "The data sent is not valid.",
        "fields": {"page_size": ["Enter a value of at most 100."]},
    }


def test_achievement_list_gives_the_translation_in_the_requested_language(db):
    achievement = AchievementFactory(title="柔性传感器", summary="可拉伸。")
    AchievementTranslation.objects.create(achievement=achievement, language="en", title="Flexible sensor",
                                          summary="Stretchable.")

    english_item = Client(headers={"accept-language": "en"}).get(URL).json()["items"][0]
    russian_item = Client(headers={"accept-language": "ru"}).get(URL).json()["items"][0]

    assert (english_item["title"], english_item["summary"], english_item["language"]) == (
        "Flexible sensor", "Stretchable.", "en")
    assert (russian_item["title"], russian_item["summary"], russian_item["language"]) == (
        "柔性传感器", "可拉伸。", "zh-hans")


def test_achievement_list_traditional_query_finds_simplified_text(db, api):
    robot = AchievementFactory(title="工业机器人视觉引导系统", summary="用于焊接的机器视觉。")
    AchievementFactory(title="锂电池回收工艺", summary="湿法冶金。")

    response = api.get(URL, {"q": "機器人"})

    assert (ids(response), response.json()["count"]) == ([robot.pk], 1)


def test_achievement_list_filters_by_top_level_field_and_subfield(db, api):
    printing = AchievementFactory(published_at=MARCH_2, fields=[PRINTING])
    machining = AchievementFactory(published_at=MARCH_1, fields=[MACHINING])
    AchievementFactory(fields=[ROBOTS])

    assert ids(api.get(URL, {"field": "advanced-manufacturing"})) == [printing.pk, machining.pk]
    assert ids(api.get(URL, {"field": "advanced-manufacturing", "subfield": MACHINING})) == [machining.pk]


def test_achievement_list_filters_by_several_institutions(db, api):
    first = AchievementFactory(published_at=MARCH_2)
    second = AchievementFactory(published_at=MARCH_1)
    AchievementFactory()

    response = api.get(f"{URL}?institution={first.organisation_id}&institution={second.organisation_id}")

    assert ids(response) == [first.pk, second.pk]


def test_achievement_list_sorts_by_views(db, api):
    seen_less = AchievementFactory(published_at=MARCH_2, view_count=3)
    seen_more = AchievementFactory(published_at=MARCH_1, view_count=9)

    assert ids(api.get(URL, {"sort": "views"})) == [seen_more.pk, seen_less.pk]


def test_achievement_list_query_count_is_the_same_for_1_and_5_items(db, api, settings):
    def make_one() -> None:
        achievement = AchievementFactory(fields=[PRINTING, ROBOTS])
        AchievementTranslation.objects.create(achievement=achievement, language="en", title="T", summary="S")

    make_one()
    warm_hall(settings)
    queries_for_one, response = get_counting_queries(api, URL)
    assert response.json()["count"] == 1
    for _ in range(4):
        make_one()
    warm_hall(settings)
    queries_for_five, response = get_counting_queries(api, URL)
    assert response.json()["count"] == 5
    # hall revision, page, fields (with parents), translations
    assert (queries_for_one, queries_for_five) == (4, 4)


# --- facets ----------------------------------------------------------------------------------------


def test_achievement_facets_count_exactly_each_ignoring_its_own_filter(db, api):
    university = OrganisationFactory()
    AchievementFactory(organisation=university, fields=[PRINTING], stage="early", trl=2)
    AchievementFactory(organisation=university, fields=[PRINTING, MACHINING], stage="mature", trl=8)
    AchievementFactory(fields=[ROBOTS], stage="mature", trl=7)
    AchievementFactory(status="draft", published_at=None, organisation=university, fields=[PRINTING],
                       stage="early")

    response = api.get(f"{URL}/facets", {"field": "advanced-manufacturing"})

    assert response.status_code == 200
    facets = response.json()
    assert list(facets) == ["field", "subfield", "institution", "country", "stage", "mode", "ip", "granted", "price"]
    assert counts(facets["field"]) == {"advanced-manufacturing": 2, "intelligent-equipment": 1}
    assert counts(facets["subfield"]) == {PRINTING: 2, MACHINING: 1}
    assert facets["institution"] == [
        {"value": university.pk, "label": university.name_en, "count": 2},
    ]
    assert facets["country"] == [{"value": "CN", "label": "China", "count": 2}]
    assert counts(facets["stage"]) == {"early": 1, "mature": 1}
    assert counts(facets["price"]) == {"negotiable": 2}
    assert facets["granted"] == [{"value": "1", "label": "", "count": 0}]


# --- visibility of drafts --------------------------------------------------------------------------


def test_draft_is_invisible_to_anonymous_in_list_detail_and_facets(db, api):
    draft, _owner = draft_with_owner(fields=[PRINTING])

    assert api.get(URL).json()["count"] == 0
    detail = api.get(f"{URL}/{draft.pk}")
    assert (detail.status_code, detail.json()) == (404, NOT_FOUND)
    assert counts(api.get(f"{URL}/facets").json()["field"]) == {}


def test_draft_is_invisible_to_another_institutions_member(db):
    draft, _owner = draft_with_owner(fields=[PRINTING])
    outsider = session_client(MembershipFactory().user)

    assert outsider.get(URL).json()["count"] == 0
    detail = outsider.get(f"{URL}/{draft.pk}")
    assert (detail.status_code, detail.json()) == (404, NOT_FOUND)
    assert counts(outsider.get(f"{URL}/facets").json()["field"]) == {}


def test_draft_is_visible_to_its_owners_in_detail_only_the_hall_being_published_items(db):
    draft, owner = draft_with_owner(fields=[PRINTING])
    client = session_client(owner)

    detail = client.get(f"{URL}/{draft.pk}")

    assert (detail.status_code, detail.json()["status"], detail.json()["transitions"]) == (
        200, "draft", ["submit", "archive"])
    assert client.get(URL).json()["count"] == 0


def test_draft_is_visible_to_operators(db):
    draft, _owner = draft_with_owner()

    detail = session_client(OperatorFactory()).get(f"{URL}/{draft.pk}")

    assert (detail.status_code, detail.json()["transitions"]) == (200, ["submit", "archive"])


# --- detail: contact details -----------------------------------------------------------------------


def test_contact_is_hidden_from_outsiders(db, api):
    achievement = AchievementFactory(contact_name="王工", contact_phone="0512-12345678", contact_email="w@example.org")

    assert api.get(f"{URL}/{achievement.pk}").json()["contact"] is None
    assert session_client(UserFactory()).get(f"{URL}/{achievement.pk}").json()["contact"] is None


def test_contact_is_shown_to_owners_and_operators(db):
    achievement = AchievementFactory(contact_name="王工", contact_phone="0512-12345678", contact_email="w@example.org")
    owner = MembershipFactory(organisation=achievement.organisation).user
    contact = {"name": "王工", "phone": "0512-12345678", "email": "w@example.org"}

    assert session_client(owner).get(f"{URL}/{achievement.pk}").json()["contact"] == contact
    assert session_client(OperatorFactory()).get(f"{URL}/{achievement.pk}").json()["contact"] == contact


def test_detail_leaves_out_experts_hidden_from_the_directory(db, api):
    achievement = AchievementFactory()
    shown = ExpertFactory(organisation=achievement.organisation, name="李明")
    hidden = ExpertFactory(organisation=achievement.organisation, is_public=False)
    achievement.experts.set([shown, hidden])

    assert api.get(f"{URL}/{achievement.pk}").json()["experts"] == [{"id": shown.pk, "name": "李明"}]


# --- create ----------------------------------------------------------------------------------------


def test_achievement_create_answers_201_with_the_detail(db):
    membership = MembershipFactory()
    expert = ExpertFactory(organisation=membership.organisation, name="王芳", name_en="Wang Fang")
    body = create_body(
        membership.organisation.pk,
        description="详细说明",
        keywords=["传感器，柔性", "电子皮肤"],
        fields=[MACHINING, PRINTING],
        industries=["C"],
        cooperation_modes=["licence", "transfer"],
        experts=[expert.pk],
        trl=5,
        price_type="range",
        price_min="500000",
        price_max="800000",
        contact_name="王工",
        contact_phone="0512-12345678",
        contact_email="wang@example.org",
        translations=[{"language": "en", "title": "Flexible e-skin sensor", "summary": "Stretchable arrays."}],
        ip_assets=[{"ip_type": "invention_patent", "number": "ZL 202310123456.6", "filing_date": "2023-05-04"}],
    )

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 201
    achievement = Achievement.objects.get()
    assert response.json() == {
        "id": achievement.pk,
        "title": "Flexible e-skin sensor",
        "summary": "Stretchable arrays.",
        "language": "en",
        "original_language": "zh-hans",
        "translations": [
            {"language": "zh-hans", "title": "柔性电子皮肤传感器", "summary": "可拉伸的压力传感阵列。"},
            {"language": "en", "title": "Flexible e-skin sensor", "summary": "Stretchable arrays."},
        ],
        "organisation": {"id": membership.organisation.pk, "name": membership.organisation.name_en},
        "fields": [PRINTING, MACHINING],
        "stage": "middle",
        "trl": 5,
        "status": "draft",
        "view_count": 0,
        "published_at": None,
        "has_granted_patent": False,
        "price_band": "10-100",
        "description": "详细说明",
        "keywords": ["传感器", "柔性", "电子皮肤"],
        "industries": ["C"],
        "cooperation_modes": ["transfer", "licence"],
        "attribute": "original",
        "price_type": "range",
        "price_min": "500000.00",
        "price_max": "800000.00",
        "currency": "CNY",
        "financing_need": "",
        "team_members": "",
        "video_url": "",
        "external_id": "",
        "recommending_unit": None,
        "ip_assets": [{
            "ip_type": "invention_patent", "title": "", "number": "CN202310123456.6", "jurisdiction": "CN",
            "status": "filed", "filing_date": "2023-05-04", "grant_date": None,
        }],
        "experts": [{"id": expert.pk, "name": "Wang Fang"}],
        "contact": {"name": "王工", "phone": "0512-12345678", "email": "wang@example.org"},
        "transitions": ["submit", "archive"],
        "created_at": iso(achievement.created_at),
        "updated_at": iso(achievement.updated_at),
    }
    assert (achievement.organisation_id, achievement.created_by_id) == (membership.organisation.pk,
                                                                        membership.user.pk)


def test_achievement_create_with_an_api_token(db):
    membership = MembershipFactory()
    ApiTokenFactory(user=membership.user, raw_token="dj_supply-script")

    response = Client().post(URL, create_body(membership.organisation.pk), content_type="application/json",
                             headers={"authorization": "Bearer dj_supply-script"})

    assert (response.status_code, response.json()["status"]) == (201, "draft")


def test_achievement_create_anonymous_is_401(db, api):
    response = api.post(URL, create_body(OrganisationFactory().pk), content_type="application/json")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_achievement_create_for_another_institution_is_403(db):
    response = session_client(MembershipFactory().user).post(URL, create_body(OrganisationFactory().pk),
                                                             content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Only members of the institution can add its achievements.",
        "fields": {},
    }
    assert Achievement.objects.count() == 0


def test_achievement_create_missing_title_is_422(db):
    membership = MembershipFactory()
    body = create_body(membership.organisation.pk)
    del body["title"]

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "The data sent is not valid.",
        "fields": {"title": ["This field is required."]},
    }


def test_achievement_create_unknown_codes_are_422_by_position(db):
    membership = MembershipFactory()
    body = create_body(membership.organisation.pk, fields=[PRINTING, "no-such-field"], industries=["ZZ"],
                       cooperation_modes=["transfer", "barter"])

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Please correct the marked fields.",
        "fields": {
            "fields.1": ["Unknown code “no-such-field”."],
            "industries.0": ["Unknown code “ZZ”."],
            "cooperation_modes.1": ["Unknown code “barter”."],
        },
    }
    assert Achievement.objects.count() == 0


def test_achievement_create_unknown_organisation_is_422(db):
    response = session_client(UserFactory()).post(URL, create_body(987654), content_type="application/json")

    assert response.status_code == 422
    assert response.json()["fields"] == {"organisation": ["There is no such institution."]}


def test_achievement_create_service_rules_are_422_with_fields(db):
    membership = MembershipFactory()
    body = create_body(membership.organisation.pk, summary="  ", fields=[], trl=10)

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Please correct the marked fields.",
        "fields": {
            "summary": ["Write a short summary."],
            "fields": ["Choose at least one technology field."],
            "trl": ["The technology readiness level is between 1 and 9."],
        },
    }


def test_achievement_create_unknown_language_is_422(db):
    membership = MembershipFactory()
    body = create_body(membership.organisation.pk, translations=[{"language": "de", "title": "Sensor"}])

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["translations.0.language"]


def test_achievement_create_bad_cn_patent_number_is_422_on_the_asset_number(db):
    membership = MembershipFactory()
    body = create_body(membership.organisation.pk,
                       ip_assets=[{"ip_type": "invention_patent", "jurisdiction": "CN", "number": "CN202310123456.7"}])

    response = session_client(membership.user).post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Please correct the marked fields.",
        "fields": {"ip_assets.0.number": [
            "The check digit of CN202310123456.7 does not match the digits before it: "
            "one of them is probably mistyped."
        ]},
    }
    assert Achievement.objects.count() == 0


# --- update ----------------------------------------------------------------------------------------


def test_achievement_update_replaces_the_content(db):
    draft, owner = draft_with_owner(fields=[ROBOTS])
    body = create_body(draft.organisation.pk, title="新标题", fields=[MACHINING], trl=8)
    del body["organisation"]

    response = session_client(owner).put(f"{URL}/{draft.pk}", body, content_type="application/json")

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["fields"], response.json()["stage"]) == (
        "新标题", [MACHINING], "mature")
    draft.refresh_from_db()
    assert (draft.title, list(draft.fields.values_list("code", flat=True)), draft.trl) == ("新标题", [MACHINING], 8)


def test_achievement_update_by_an_outsider_is_403(db):
    achievement = AchievementFactory(title="原标题", fields=[ROBOTS])
    body = create_body(achievement.organisation.pk, title="改掉")
    del body["organisation"]

    response = session_client(UserFactory()).put(f"{URL}/{achievement.pk}", body, content_type="application/json")

    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)
    achievement.refresh_from_db()
    assert achievement.title == "原标题"


def test_achievement_update_of_someone_elses_draft_is_404(db):
    draft, _owner = draft_with_owner()
    body = create_body(draft.organisation.pk)
    del body["organisation"]

    response = session_client(UserFactory()).put(f"{URL}/{draft.pk}", body, content_type="application/json")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- transitions -----------------------------------------------------------------------------------


def transition(client: Client, achievement: Achievement, **body):  # type: ignore[no-untyped-def]
    return client.post(f"{URL}/{achievement.pk}/transitions", body, content_type="application/json")


def test_owner_submits_a_draft(db):
    draft, owner = draft_with_owner(fields=[PRINTING])

    response = transition(session_client(owner), draft, name="submit")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["transitions"]) == ("submitted", ["archive"])
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_operator_publish_without_the_checklist_is_400(db):
    submitted = AchievementFactory(status="submitted", published_at=None)

    response = transition(session_client(OperatorFactory()), submitted, name="publish", checklist=["complete"])

    assert response.status_code == 400
    assert response.json() == {
        "code": "checklist_incomplete",
        "message": "Tick every item of the screening checklist before publishing.",
        "fields": {"checklist": [english(ScreeningCheck.ITEMS[key]) for key in ("ownership", "no_secrets", "contact")]},
    }
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_operator_publishes_with_the_checklist(db):
    submitted = AchievementFactory(status="submitted", published_at=None)

    response = transition(session_client(OperatorFactory()), submitted, name="publish", checklist=ALL_TICKED)

    assert response.status_code == 200
    submitted.refresh_from_db()
    assert (response.json()["status"], response.json()["published_at"]) == ("published", iso(submitted.published_at))
    assert submitted.published_at is not None


def test_owner_cannot_publish(db):
    submitted = AchievementFactory(status="submitted", published_at=None)
    owner = MembershipFactory(organisation=submitted.organisation).user

    response = transition(session_client(owner), submitted, name="publish", checklist=ALL_TICKED)

    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_unknown_transition_is_400(db):
    draft, owner = draft_with_owner()

    response = transition(session_client(owner), draft, name="teleport")

    assert (response.status_code, response.json()) == (
        400, {"code": "unknown_transition", "message": "Unknown action.", "fields": {}})


def test_transition_anonymous_is_401(db, api):
    response = transition(api, AchievementFactory(), name="archive")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


# --- screening queue -------------------------------------------------------------------------------


def test_screening_queue_lists_submitted_items_for_operators(db):
    submitted = AchievementFactory(status="submitted", published_at=None, fields=[PRINTING])
    AchievementFactory()

    response = session_client(OperatorFactory()).get("/api/supply/screening-queue")

    assert response.status_code == 200
    body = response.json()
    assert (ids(response), body["count"], body["items"][0]["fields"]) == ([submitted.pk], 1, [PRINTING])


def test_screening_queue_for_a_member_is_403(db):
    response = session_client(MembershipFactory().user).get("/api/supply/screening-queue")
    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


def test_screening_queue_anonymous_is_401(db, api):
    response = api.get("/api/supply/screening-queue")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


# --- experts ---------------------------------------------------------------------------------------


def test_expert_list_has_page_shape(db, api):
    expert = ExpertFactory(name="王芳", name_en="Wang Fang", title="Professor", available_for_consulting=True)
    expert.fields.set(expert.fields.model.objects.filter(code=ROBOTS))
    expert.directions.create(language="zh-hans", text="协作机器人")

    response = api.get("/api/supply/experts")

    assert response.json() == {
        "items": [{
            "id": expert.pk,
            "name": "王芳",
            "name_en": "Wang Fang",
            "title": "Professor",
            "organisation": {"id": expert.organisation.pk, "name": expert.organisation.name_en},
            "fields": [ROBOTS],
            "directions": [{"language": "zh-hans", "text": "协作机器人"}],
            "available_for_consulting": True,
            "available_part_time": False,
        }],
        "count": 1,
        "page": 1,
        "page_size": 20,
        "pages": 1,
    }


def test_expert_list_filters_by_query_field_and_organisation(db, api):
    robots = ExpertFactory(name="B 机器人专家")
    robots.fields.set(robots.fields.model.objects.filter(code=ROBOTS))
    colleague = ExpertFactory(name="A 材料专家", organisation=robots.organisation)
    ExpertFactory(name="另一位")

    assert ids(api.get("/api/supply/experts", {"q": "机器人"})) == [robots.pk]
    assert ids(api.get("/api/supply/experts", {"field": "intelligent-equipment"})) == [robots.pk]
    assert ids(api.get("/api/supply/experts", {"organisation": robots.organisation.pk})) == [colleague.pk, robots.pk]


def test_expert_list_leaves_out_hidden_profiles(db, api):
    ExpertFactory(is_public=False)
    assert api.get("/api/supply/experts").json()["count"] == 0


def test_expert_list_query_count_is_the_same_for_1_and_5_items(db, api):
    def make_one() -> None:
        expert = ExpertFactory()
        expert.fields.set(expert.fields.model.objects.filter(code__in=[ROBOTS, PRINTING]))
        expert.directions.create(language="zh-hans", text="方向")

    make_one()
    queries_for_one, _response = get_counting_queries(api, "/api/supply/experts")
    for _ in range(4):
        make_one()
    queries_for_five, response = get_counting_queries(api, "/api/supply/experts")
    assert response.json()["count"] == 5
    # count, page, directions, fields
    assert (queries_for_one, queries_for_five) == (4, 4)


def test_expert_detail_has_the_biography(db, api):
    expert = ExpertFactory(bio="从事焊接机器人研究二十年。")

    response = api.get(f"/api/supply/experts/{expert.pk}")

    assert (response.status_code, response.json()["bio"], response.json()["id"]) == (
        200, "从事焊接机器人研究二十年。", expert.pk)


def test_expert_detail_hidden_profile_is_404(db, api):
    response = api.get(f"/api/supply/experts/{ExpertFactory(is_public=False).pk}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- schema ----------------------------------------------------------------------------------------


def test_openapi_schema_lists_the_supply_paths(db, api):
    schema = api.get("/api/openapi.json").json()

    assert sorted(path for path in schema["paths"] if path.startswith("/api/supply/")) == [
        "/api/supply/achievements",
        "/api/supply/achievements/facets",
        "/api/supply/achievements/{pk}",
        "/api/supply/achievements/{pk}/transitions",
        "/api/supply/experts",
        "/api/supply/experts/{pk}",
        "/api/supply/imports",
        "/api/supply/imports/{pk}",
        "/api/supply/screening-queue",
    ]
    assert sorted(schema["paths"]["/api/supply/achievements"]) == ["get", "post"]
    assert sorted(schema["paths"]["/api/supply/achievements/{pk}"]) == ["get", "put"]
    list_parameters = [p["name"] for p in schema["paths"]["/api/supply/achievements"]["get"]["parameters"]]
    assert list_parameters == ["q", "field", "subfield", "institution", "country", "stage", "mode", "ip", "granted",
                               "price", "sort", "page", "page_size"]
