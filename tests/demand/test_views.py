import pytest
from django.urls import reverse

from duijie.accounts.enums import PlatformRole
from duijie.demand.models import Demand, TermsAcceptance
from duijie.demand.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, TechField
from tests.demand.helpers import SECRET, collected, in_screening, published
from tests.factories import AdminMembershipFactory, OrganisationFactory, UKOrganisationFactory, UserFactory
from tests.helpers import get_counting_queries

pytestmark = pytest.mark.django_db


def form_data(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "language": "zh-hans", "title": "高温合金叶片无损检测", "summary": "寻求叶片内部缺陷检测方案。",
        "confidentiality": "summary", "problem": "内部微裂纹难以发现", "description": "",
        "indicators": "检出尺寸 | ≤ 0.2 | mm\n检测节拍 | 30 | s",
        "fields": [TechField.objects.get(code="new-materials").pk], "industry": "",
        "cooperation_modes": [CooperationMode.objects.get(code="co-development").pk], "trl_needed": "6",
        "regions": [], "budget_type": "range", "budget_min": "500000", "budget_max": "1000000", "currency": "CNY",
        "deadline": "", "contact_name": "李工", "contact_phone": "", "contact_email": "li@enterprise.example",
    }
    values.update(overrides)
    return values


def test_an_enterprise_member_submits_and_an_operator_publishes_through_the_pages(org_admin, operator, client_for):
    member = client_for(org_admin.user, language="zh-hans")
    response = member.post(reverse("demand:create"), form_data())
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("demand:detail", args=[demand.pk])
    assert list(demand.indicators.values_list("name", "value", "unit")) == [("检出尺寸", "≤ 0.2", "mm"),
                                                                             ("检测节拍", "30", "s")]
    assert member.get(reverse("demand:mine")).context["rows"][0][0] == demand
    member.post(reverse("demand:transition", args=[demand.pk]), {"name": "submit"})
    assert Demand.objects.get().status == "screening"
    desk = client_for(operator, language="zh-hans")
    assert [d.pk for d in desk.get(reverse("demand:screening")).context["page"].object_list] == [demand.pk]
    desk.post(reverse("demand:transition", args=[demand.pk]), {"name": "publish", "checklist": ["feasible"]})
    assert Demand.objects.get().status == "screening"  # checklist incomplete: nothing changed
    desk.post(reverse("demand:transition", args=[demand.pk]),
              {"name": "publish", "checklist": list(ScreeningCheck.ITEMS)})
    assert Demand.objects.get().status == "published"
    board = client_for(None).get(reverse("demand:board"))
    assert [d.pk for d in board.context["page"].object_list] == [demand.pk]


def test_the_form_reports_bad_input_and_keeps_nothing(org_admin, client_for):
    member = client_for(org_admin.user, language="en")
    response = member.post(reverse("demand:create"), form_data(indicators="only a name", title=""))
    assert response.status_code == 200 and Demand.objects.count() == 0
    assert response.context["form"].errors.keys() >= {"indicators", "title"}
    response = member.post(reverse("demand:create"), form_data(budget_min="900", budget_max="100"))
    assert "budget_max" in response.context["form"].errors and Demand.objects.count() == 0


def test_who_may_open_the_new_demand_page(client_for):
    university = AdminMembershipFactory(organisation=UKOrganisationFactory())
    assert client_for(university.user).get(reverse("demand:create")).status_code == 403
    commissioner = UserFactory(platform_role=PlatformRole.COMMISSIONER)
    OrganisationFactory.create_batch(2)
    page = client_for(commissioner).get(reverse("demand:create"))
    assert page.templates[0].name == "demand/choose_enterprise.html" and len(page.context["enterprises"]) == 2


def test_summary_only_details_open_after_accepting_the_terms(org_admin, operator, client_for):
    demand = published(org_admin, operator, confidentiality="summary")
    reader = UserFactory()
    c = client_for(reader, language="zh-hans")
    page = c.get(reverse("demand:detail", args=[demand.pk]))
    assert SECRET not in page.content.decode() and page.context["view"].can_accept_terms
    c.post(reverse("demand:accept_terms", args=[demand.pk]))
    assert TermsAcceptance.objects.filter(demand=demand, user=reader).exists()
    assert SECRET in c.get(reverse("demand:detail", args=[demand.pk])).content.decode()
    anonymous = client_for(None).post(reverse("demand:accept_terms", args=[demand.pk]))
    assert anonymous.status_code == 302 and "/accounts/sign-in/" in anonymous["Location"]


def test_the_screening_page_shows_likely_duplicates_to_operators(org_admin, operator, client_for):
    first = published(org_admin, operator)
    twin = in_screening(AdminMembershipFactory())
    page = client_for(operator).get(reverse("demand:detail", args=[twin.pk]))
    assert [d for d, _score in page.context["duplicates"]] == [first]
    assert client_for(UserFactory()).get(reverse("demand:screening")).status_code == 403


def test_board_queries_do_not_grow_with_demands(org_admin, operator, client_for):
    published(org_admin, operator)
    c = client_for(None)
    one, response = get_counting_queries(c, reverse("demand:board") + "?field=new-energy")
    assert len(response.context["page"].object_list) == 1
    for _ in range(4):
        published(org_admin, operator, confidentiality="summary")
    five, response = get_counting_queries(c, reverse("demand:board") + "?field=new-energy")
    assert len(response.context["page"].object_list) == 5
    assert five == one


def test_owners_see_what_happens_next_and_edit_only_while_collected(org_admin, operator, client_for):
    demand = collected(org_admin)
    c = client_for(org_admin.user, language="en")
    assert c.get(reverse("demand:edit", args=[demand.pk])).status_code == 200
    rows = c.get(reverse("demand:mine")).context["rows"]
    assert str(rows[0][1]).startswith("Check the content and submit it")
    demand = published(org_admin, operator)
    assert c.get(reverse("demand:edit", args=[demand.pk])).status_code == 403


def test_api_collects_submits_and_shows_the_tier(org_admin, operator, client_for):
    from tests.factories import ApiTokenFactory

    ApiTokenFactory(user=org_admin.user, raw_token="dj_demand-script")
    headers = {"HTTP_AUTHORIZATION": "Bearer dj_demand-script"}
    c = client_for(None)
    payload = {"enterprise": org_admin.organisation.pk, "title": "Inline weld inspection", "language": "en",
               "summary": "Looking for an inline inspection method.", "confidentiality": "summary",
               "problem": "Porosity below 0.1 mm", "fields": ["ai"], "cooperation_modes": ["licence"],
               "indicators": [{"name": "Detection size", "value": "0.1", "unit": "mm"}]}
    created = c.post("/api/demand/demands", payload, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["details_visible"], body["contact"]["name"]) == ("collected", True, "")
    assert body["transitions"] == ["submit", "withdraw"]
    bad = c.post("/api/demand/demands", {**payload, "fields": ["nope"]}, content_type="application/json", **headers)
    assert bad.status_code == 422 and bad.json()["fields"]["fields"]
    pk = body["id"]
    moved = c.post(f"/api/demand/demands/{pk}/transitions", {"name": "publish"}, content_type="application/json",
                   **headers)
    assert moved.status_code == 400 and moved.json()["code"] == "invalid_transition"
    moved = c.post(f"/api/demand/demands/{pk}/transitions", {"name": "submit"}, content_type="application/json",
                   **headers)
    assert moved.json()["status"] == "screening"
    client_for(operator).post(f"/api/demand/demands/{pk}/transitions", {
        "name": "publish", "checklist": list(ScreeningCheck.ITEMS)}, content_type="application/json")
    reader = client_for(UserFactory())
    shown = reader.get(f"/api/demand/demands/{pk}").json()
    assert (shown["details_visible"], shown["problem"], shown["indicators"], shown["contact"]) == (
        False, None, None, None)
    shown = reader.post(f"/api/demand/demands/{pk}/terms").json()
    assert shown["details_visible"] and shown["problem"] == "Porosity below 0.1 mm"


def test_api_files_follow_the_tier_and_my_demands_say_what_is_next(org_admin, operator, client_for, in_english):
    from django.core.files.uploadedfile import SimpleUploadedFile

    demand = published(org_admin, operator, confidentiality="summary")
    owner = client_for(org_admin.user, language="en")
    refused = owner.post(f"/api/demand/demands/{demand.pk}/files",
                         {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert refused.status_code == 403  # published: the enterprise no longer edits it
    added = client_for(operator).post(f"/api/demand/demands/{demand.pk}/files",
                                      {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert added.status_code == 200, added.content
    download = added.json()["attachments"][0]["download"]
    assert owner.get(download).status_code == 200
    reader = client_for(UserFactory())
    assert reader.get(f"/api/demand/demands/{demand.pk}").json()["attachments"] is None
    assert reader.get(download).status_code == 404
    mine = owner.get("/api/demand/demands/mine").json()["items"]
    assert mine[0]["next_step"].startswith("On the board")
    assert client_for(None).get("/api/demand/demands").json()["items"][0]["next_step"] == ""


def test_the_expiry_command_runs_the_deadline_job(org_admin, operator):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    demand = published(org_admin, operator)
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    out = StringIO()
    call_command("expire_demands", stdout=out)
    assert out.getvalue().strip() == "0 deadline notice(s) sent, 1 demand(s) expired."
    assert Demand.objects.get(pk=demand.pk).status == "expired"
