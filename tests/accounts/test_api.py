import pytest
from django.test import Client
from django.utils import timezone

from duijie.accounts import services
from duijie.accounts.enums import MembershipRole
from duijie.accounts.models import Organisation
from tests.factories import (
    AdminMembershipFactory,
    ApiTokenFactory,
    MembershipFactory,
    OrganisationFactory,
    UKOrganisationFactory,
    UserFactory,
    make_uscc,
)
from tests.helpers import field_values, fresh_values

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Sign in or send a valid API token to use this endpoint.",
    "fields": {},
}
PERMISSION_DENIED = {"code": "permission_denied", "message": "You do not have permission to do this.", "fields": {}}


@pytest.fixture
def api():
    """An anonymous API client that asks for English messages."""
    return Client(headers={"accept-language": "en"})


def bearer(raw: str) -> dict[str, str]:
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def session_client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def organisation_json(organisation: Organisation) -> dict:
    return {
        "id": organisation.pk,
        "name": organisation.name,
        "name_en": organisation.name_en,
        "kind": "enterprise",
        "kind_label": "Enterprise",
        "country": {"code": "CN", "name": "China"},
        "region": {"code": "CN-320500", "name": "Suzhou"},
        "uscc": organisation.uscc,
        "registration_number": "",
        "website": "",
        "description": "",
        "is_verified": False,
        "created_at": organisation.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


# --- organisations -------------------------------------------------------------------------------


def test_organisation_list_has_page_shape(db, api):
    first, second, third = (OrganisationFactory(name=f"{n} 公司") for n in "ABC")
    response = api.get("/api/organisations", {"page_size": 2})
    assert response.status_code == 200
    assert response.json() == {
        "items": [organisation_json(first), organisation_json(second)],
        "count": 3,
        "page": 1,
        "page_size": 2,
        "pages": 2,
    }
    last = api.get("/api/organisations", {"page_size": 2, "page": 2}).json()
    assert ([item["id"] for item in last["items"]], last["page"], last["pages"]) == ([third.pk], 2, 2)


def test_organisation_list_empty_has_one_page(db, api):
    assert api.get("/api/organisations").json() == {"items": [], "count": 0, "page": 1, "page_size": 20, "pages": 1}


def test_organisation_list_page_size_over_100_is_422(db, api):
    response = api.get("/api/organisations", {"page_size": 101})
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "The data sent is not valid.",
        "fields": {"page_size": ["Enter a value of at most 100."]},
    }


def test_organisation_list_page_zero_is_422(db, api):
    response = api.get("/api/organisations", {"page": 0})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["page"]


def test_organisation_list_hides_suspended_from_anonymous(db, api):
    shown = OrganisationFactory()
    OrganisationFactory(status="suspended")
    assert [item["id"] for item in api.get("/api/organisations").json()["items"]] == [shown.pk]


def test_organisation_list_filters_by_country(db, api):
    OrganisationFactory()
    uk = UKOrganisationFactory()
    body = api.get("/api/organisations", {"country": "GB"}).json()
    assert ([item["id"] for item in body["items"]], body["count"]) == ([uk.pk], 1)
    assert body["items"][0]["region"] == {"code": "GB-ENG-NW", "name": "North West"}


def test_organisation_detail_suspended_is_404_for_anonymous(db, api):
    organisation = OrganisationFactory(status="suspended")
    response = api.get(f"/api/organisations/{organisation.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_organisation_detail_labels_follow_accept_language(db):
    organisation = OrganisationFactory()
    body = Client(headers={"accept-language": "zh-hans"}).get(f"/api/organisations/{organisation.pk}").json()
    assert (body["country"], body["region"]) == ({"code": "CN", "name": "中国"}, {"code": "CN-320500", "name": "苏州市"})


def organisation_payload(**overrides):
    return {
        "name": "无锡示例传感技术有限公司", "name_en": "Wuxi Example Sensors", "kind": "enterprise",
        "country": "CN", "region": "CN-320200", "uscc": make_uscc(5150), **overrides,
    }


def test_organisation_create_by_session_with_csrf_is_201(user):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/api/docs")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/organisations", organisation_payload(), content_type="application/json", headers={"x-csrftoken": token}
    )
    assert response.status_code == 201
    organisation = Organisation.objects.get()
    assert response.json()["id"] == organisation.pk
    assert list(organisation.memberships.values_list("user_id", "role")) == [(user.pk, MembershipRole.ADMIN)]


def test_organisation_create_by_token_is_201(user):
    ApiTokenFactory(user=user, raw_token="dj_creator")
    response = Client().post(
        "/api/organisations", organisation_payload(), content_type="application/json", headers=bearer("dj_creator")
    )
    assert response.status_code == 201
    organisation = Organisation.objects.get()
    body = response.json()
    assert {key: body[key] for key in ("name", "kind", "country", "region", "uscc")} == {
        "name": "无锡示例传感技术有限公司", "kind": "enterprise", "country": {"code": "CN", "name": "China"},
        "region": {"code": "CN-320200", "name": "Wuxi"}, "uscc": organisation.uscc,
    }
    assert organisation.created_by == user


def test_organisation_create_session_without_csrf_is_403(user):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/organisations", organisation_payload(), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "The CSRF token is missing or wrong.", "fields": {}}
    assert Organisation.objects.count() == 0


def test_organisation_create_bad_uscc_is_422_with_field(user):
    response = session_client(user).post(
        "/api/organisations", organisation_payload(uscc="91350100M000100Y44"), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "The check digit of this unified social credit code is wrong; please check for a typing error.",
        "fields": {"uscc": ["The check digit of this unified social credit code is wrong; please check for a typing error."]},
    }
    assert Organisation.objects.count() == 0


def test_organisation_create_unknown_region_code_is_422(user):
    response = session_client(user).post(
        "/api/organisations", organisation_payload(region="CN-999999"), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error", "message": "Unknown region code.", "fields": {"region": ["Unknown region code."]}
    }


def test_organisation_create_missing_name_is_422(user):
    payload = organisation_payload()
    del payload["name"]
    response = session_client(user).post("/api/organisations", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"code": "validation_error", "message": "The data sent is not valid.",
                               "fields": {"name": ["This field is required."]}}


def test_organisation_create_anonymous_is_401(db, api):
    response = api.post("/api/organisations", organisation_payload(), content_type="application/json")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_organisation_update_by_admin_is_200(org_admin):
    response = session_client(org_admin.user).patch(
        f"/api/organisations/{org_admin.organisation_id}", {"description": "Sensors."}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["description"] == "Sensors."
    org_admin.organisation.refresh_from_db()
    assert org_admin.organisation.description == "Sensors."


def test_organisation_update_by_member_is_403(org_admin):
    organisation = org_admin.organisation
    member = MembershipFactory(organisation=organisation)
    before = field_values(organisation)
    response = session_client(member.user).patch(
        f"/api/organisations/{organisation.pk}", {"name": "Taken over"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == PERMISSION_DENIED
    assert fresh_values(organisation) == before


def test_organisation_members_for_outsider_is_403(org_admin, user):
    response = session_client(user).get(f"/api/organisations/{org_admin.organisation_id}/members")
    assert response.status_code == 403
    assert response.json() == PERMISSION_DENIED


def test_organisation_members_for_member_is_a_page(org_admin):
    member = MembershipFactory(organisation=org_admin.organisation)
    body = session_client(member.user).get(f"/api/organisations/{org_admin.organisation_id}/members").json()
    assert body == {
        "items": [
            {"user_id": org_admin.user.pk, "full_name": org_admin.user.full_name, "email": org_admin.user.email,
             "role": "admin"},
            {"user_id": member.user.pk, "full_name": member.user.full_name, "email": member.user.email,
             "role": "member"},
        ],
        "count": 2, "page": 1, "page_size": 20, "pages": 1,
    }


# --- authentication -------------------------------------------------------------------------------------


def test_users_me_anonymous_is_401(db, api):
    response = api.get("/api/users/me")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_users_me_with_bearer_token(db):
    membership = AdminMembershipFactory(user__full_name="Token User", user__preferred_language="en")
    user = membership.user
    ApiTokenFactory(user=user, raw_token="dj_good-token")
    response = Client().get("/api/users/me", headers=bearer("dj_good-token"))
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk, "email": user.email, "full_name": "Token User", "job_title": "", "preferred_language": "en",
        "platform_role": "", "email_verified": True,
        "memberships": [{"organisation_id": membership.organisation_id,
                         "organisation_name": membership.organisation.name, "role": "admin"}],
    }


def test_users_me_with_session(user):
    response = session_client(user).get("/api/users/me")
    assert (response.status_code, response.json()["id"]) == (200, user.pk)


def test_users_me_revoked_token_is_401(user):
    ApiTokenFactory(user=user, raw_token="dj_revoked", revoked_at=timezone.now())
    response = Client().get("/api/users/me", headers=bearer("dj_revoked"))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize("raw", ["dj_wrong-token", "something-else"])
def test_public_endpoint_wrong_token_is_401_not_anonymous(db, raw):
    OrganisationFactory()
    response = Client().get("/api/organisations", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_wrong_token_with_valid_session_is_still_401(user):
    response = session_client(user).get("/api/users/me", headers=bearer("dj_wrong-token"))
    assert response.status_code == 401


# --- users ---------------------------------------------------------------------------------------------------


def test_user_list_for_operator_lists_all(operator):
    users = [UserFactory(), MembershipFactory().user]
    body = session_client(operator).get("/api/users").json()
    assert sorted(item["id"] for item in body["items"]) == sorted([operator.pk] + [u.pk for u in users])
    assert body["count"] == 3


def test_user_list_for_plain_user_lists_colleagues_only(db):
    me = MembershipFactory()
    colleague = MembershipFactory(organisation=me.organisation).user
    MembershipFactory()
    UserFactory()
    body = session_client(me.user).get("/api/users").json()
    assert sorted(item["id"] for item in body["items"]) == sorted([me.user.pk, colleague.pk])
    assert body["count"] == 2


def test_user_detail_of_stranger_is_404(user):
    stranger = UserFactory()
    response = session_client(user).get(f"/api/users/{stranger.pk}")
    assert response.status_code == 404


def test_set_platform_role_by_operator(operator, user):
    response = session_client(operator).put(
        f"/api/users/{user.pk}/platform-role", {"role": "broker"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["platform_role"] == "broker"
    user.refresh_from_db()
    assert user.platform_role == "broker"


def test_set_platform_role_unknown_role_is_400(operator, user):
    response = session_client(operator).put(
        f"/api/users/{user.pk}/platform-role", {"role": "emperor"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_role", "message": "Unknown platform role.", "fields": {"role": ["Unknown platform role."]}
    }


def test_set_platform_role_by_non_operator_is_403(db):
    admin = AdminMembershipFactory()
    colleague = MembershipFactory(organisation=admin.organisation).user
    response = session_client(admin.user).put(
        f"/api/users/{colleague.pk}/platform-role", {"role": "operator"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == PERMISSION_DENIED
    colleague.refresh_from_db()
    assert colleague.platform_role == ""


# --- schema --------------------------------------------------------------------------------------------------


def test_openapi_schema_lists_the_paths(db, api):
    response = api.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Duijie API"
    accounts_and_taxonomy = sorted(p for p in schema["paths"] if not p.startswith(
        ("/api/supply/", "/api/demand/", "/api/matching/", "/api/docking/", "/api/notifications")))
    assert accounts_and_taxonomy == sorted([
        "/api/organisations", "/api/organisations/{pk}", "/api/organisations/{pk}/members", "/api/users/me",
        "/api/users", "/api/users/{pk}", "/api/users/{pk}/platform-role", "/api/taxonomy/fields",
        "/api/taxonomy/industries", "/api/taxonomy/trl", "/api/taxonomy/cooperation-modes", "/api/taxonomy/regions",
    ])
    assert sorted(schema["paths"]["/api/organisations"]) == ["get", "post"]


def test_api_unknown_path_and_wrong_method_use_error_format(db):
    client = Client()
    client.cookies["duijie_language"] = "en"
    missing = client.get("/api/no-such-thing")
    assert (missing.status_code, missing.json()) == (
        404, {"code": "not_found", "message": "Not found.", "fields": {}}
    )
    wrong = client.delete("/api/organisations", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_api_anonymous_post_with_csrf_checks_is_401_not_403(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/organisations", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_api_field_errors_are_translated(user):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(actor=user, name='t')[1]}")
    client.cookies["duijie_language"] = "zh-hans"
    response = client.post("/api/organisations", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["fields"]["name"] == ["此项为必填项。"]


def test_api_user_memberships_hide_invisible_organisations(db):
    from duijie.accounts.enums import OrganisationStatus
    from tests.factories import MembershipFactory

    shared = MembershipFactory()
    viewer = MembershipFactory(organisation=shared.organisation).user
    hidden = MembershipFactory(user=shared.user, organisation=OrganisationFactory(status=OrganisationStatus.SUSPENDED))
    client = Client()
    client.force_login(viewer, backend="django.contrib.auth.backends.ModelBackend")
    memberships = client.get(f"/api/users/{shared.user.pk}").json()["memberships"]
    assert [m["organisation_id"] for m in memberships] == [shared.organisation_id]
    assert hidden.organisation_id not in [m["organisation_id"] for m in memberships]


@pytest.mark.parametrize("path", ["/api/organisations", "/api/users"])
def test_api_lists_queries_do_not_grow_with_items(operator, path):
    from tests.helpers import get_counting_queries

    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    MembershipFactory()
    one, response = get_counting_queries(client, path)
    first = response.json()["count"]
    for _ in range(4):
        MembershipFactory()
    five, response = get_counting_queries(client, path)
    assert response.json()["count"] == first + 4
    assert five == one
