import pytest
from django.urls import reverse

from duijie.supply.models import Achievement
from duijie.taxonomy.models import TechField
from tests.factories import AdminMembershipFactory, UserFactory
from tests.helpers import get_counting_queries, warm_hall
from tests.supply.helpers import draft, published

pytestmark = pytest.mark.django_db
HALL = "/hall/"


def test_hall_lists_published_and_filters_by_url(org_admin, client):
    item = published(org_admin, title="工业机器人视觉引导系统")
    published(org_admin, title="新型锂电池隔膜")
    draft(org_admin, title="工业机器人草稿")
    response = client.get(HALL, {"q": "機器人"})
    assert [card.pk for card in response.context["cards"]] == [item.pk]
    assert response.context["page"].paginator.count == 1
    html = response.content.decode()
    assert "工业机器人视觉引导系统" in html and "草稿" not in html


def test_hall_htmx_request_gets_only_the_results(org_admin, client):
    published(org_admin)
    response = client.get(HALL, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "supply/_hall_results.html"
    assert "<html" not in response.content.decode()


def test_hall_queries_do_not_grow_with_items(org_admin, client, settings):
    published(org_admin)
    warm_hall(settings)
    one, response = get_counting_queries(client, HALL + "?field=ai&stage=middle")
    assert len(response.context["cards"]) == 1
    for _ in range(4):
        published(org_admin)
    warm_hall(settings)
    five, response = get_counting_queries(client, HALL + "?field=ai&stage=middle")
    assert len(response.context["cards"]) == 5
    assert five == one == 11


def test_detail_queries_do_not_grow_with_relations(org_admin, client):
    from tests.supply.helpers import granted_patent

    small = published(org_admin)
    big = published(org_admin, fields=["ai", "ai.computer-vision", "new-materials"],
                    modes=["transfer", "licence", "joint-lab"], ip_assets=[granted_patent()] * 3)
    one, _ = get_counting_queries(client, reverse("supply:achievement_detail", args=[small.pk]))
    many, response = get_counting_queries(client, reverse("supply:achievement_detail", args=[big.pk]))
    assert response.status_code == 200
    assert many == one


def test_draft_detail_is_404_for_outsiders_and_200_for_owners(org_admin, client, client_for):
    item = draft(org_admin)
    url = reverse("supply:achievement_detail", args=[item.pk])
    assert client.get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for(org_admin.user).get(url).status_code == 200


def test_contact_is_hidden_from_visitors(org_admin, client, client_for):
    item = published(org_admin, contact_name="王老师", contact_phone="0512-12345678")
    url = reverse("supply:achievement_detail", args=[item.pk])
    assert "0512-12345678" not in client.get(url).content.decode()
    assert "0512-12345678" not in client_for(UserFactory()).get(url).content.decode()
    assert "0512-12345678" in client_for(org_admin.user).get(url).content.decode()


def test_detail_counts_a_view_once_per_day(org_admin, client):
    item = published(org_admin)
    url = reverse("supply:achievement_detail", args=[item.pk])
    client.get(url, HTTP_USER_AGENT="Firefox")
    client.get(url, HTTP_USER_AGENT="Firefox")
    client.get(url, HTTP_USER_AGENT="bingbot/2.0")
    item.refresh_from_db()
    assert item.view_count == 1


def test_create_through_the_page_then_submit(org_admin, client_for):
    client = client_for(org_admin.user, language="en")
    field = TechField.objects.get(code="ai")
    form = {
        "organisation": org_admin.organisation.pk, "language": "zh-hans", "title": "智能焊接机器人",
        "summary": "钢结构智能焊接。", "fields": [field.pk], "trl": "7", "attribute": "original",
        "price_type": "negotiable", "currency": "CNY", "keywords": "焊接, 机器人",
        "ip-TOTAL_FORMS": "1", "ip-INITIAL_FORMS": "0", "ip-MIN_NUM_FORMS": "0", "ip-MAX_NUM_FORMS": "20",
        "ip-0-ip_type": "invention_patent", "ip-0-number": "CN12345", "ip-0-jurisdiction": "CN",
        "ip-0-status": "filed",
    }
    response = client.post(reverse("supply:achievement_create"), form)
    assert response.status_code == 200  # the bad patent number is reported, nothing saved
    assert Achievement.objects.count() == 0
    assert list(response.context["formset"].forms[0].errors) == ["number"]
    form["ip-0-ip_type"] = ""
    response = client.post(reverse("supply:achievement_create"), form)
    item = Achievement.objects.get()
    assert (response.status_code, response.url) == (302, reverse("supply:achievement_detail", args=[item.pk]))
    assert (item.title, item.keywords, item.stage, item.status) == ("智能焊接机器人", ["焊接", "机器人"], "mature", "draft")
    client.post(reverse("supply:achievement_transition", args=[item.pk]), {"name": "submit"})
    item.refresh_from_db()
    assert item.status == "submitted"


def test_operator_publishes_from_the_detail_page(org_admin, operator, client_for):
    item = draft(org_admin)
    from duijie.supply import services

    services.achievement_transition(actor=org_admin.user, achievement=item, name="submit")
    client = client_for(operator)
    queue = client.get(reverse("supply:screening_queue"))
    assert [a.pk for a in queue.context["page"].object_list] == [item.pk]
    client.post(reverse("supply:achievement_transition", args=[item.pk]),
                {"name": "publish", "checklist": ["complete", "ownership"]})
    item.refresh_from_db()
    assert item.status == "submitted"
    client.post(reverse("supply:achievement_transition", args=[item.pk]),
                {"name": "publish", "checklist": ["complete", "ownership", "no_secrets", "contact"]})
    item.refresh_from_db()
    assert item.status == "published"


def test_screening_queue_is_for_operators(client_for):
    assert client_for(UserFactory()).get(reverse("supply:screening_queue")).status_code == 403


def test_docking_request_from_the_detail_page(org_admin, client_for):
    from duijie.docking.models import DockingRequest

    item = published(org_admin)
    company = AdminMembershipFactory().user
    client = client_for(company)
    response = client.post(reverse("supply:docking_request", args=[item.pk]),
                           {"message": "希望洽谈技术许可，用于我司产线。"})
    case = DockingRequest.objects.get()
    assert (case.requester, case.achievement, case.target_organisation) == (company, item, item.organisation)
    assert response.status_code == 302 and response["Location"] == reverse("docking:case", args=[case.pk])
    page = client.get(reverse("supply:achievement_detail", args=[item.pk]))
    assert page.context["has_open_request"] is True


def test_expert_and_institution_pages_render(org_admin, client):
    from duijie.supply.models import Expert, ResearchDirection

    expert = Expert.objects.create(name="李明", title="教授", organisation=org_admin.organisation)
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text="工业视觉检测")
    published(org_admin)
    assert "工业视觉检测" in client.get(reverse("supply:expert_directory")).content.decode()
    assert client.get(reverse("supply:expert_detail", args=[expert.pk])).status_code == 200
    page = client.get(reverse("supply:institution", args=[org_admin.organisation.pk]))
    assert (page.context["achievement_count"], [d.text for d in page.context["directions"]]) == (1, ["工业视觉检测"])


def test_export_follows_the_filter_and_leaves_drafts_out(org_admin, client):
    import csv
    import io

    from openpyxl import load_workbook

    robot = published(org_admin, title="工业机器人视觉引导系统", fields=["ai"], contact_phone="0512-1")
    published(org_admin, title="新型锂电池隔膜", fields=["new-materials"])
    draft(org_admin, title="草稿成果", fields=["ai"])
    csv_response = client.get("/hall/export.csv", {"field": "ai"}, HTTP_ACCEPT_LANGUAGE="en")
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    body = csv_response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [(r[0], r[1]) for r in rows[1:]] == [(str(robot.pk), "工业机器人视觉引导系统")]
    assert "0512-1" not in body
    xlsx = client.get("/hall/export.xlsx", {"field": "ai"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["工业机器人视觉引导系统"]
    assert client.get("/hall/export.pdf").status_code == 404


def test_upload_and_remove_a_file_through_the_page(org_admin, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    item = draft(org_admin)
    client = client_for(org_admin.user)
    url = reverse("supply:attachment_upload", args=[item.pk])
    client.post(url, {"file": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 demo")})
    client.post(url, {"file": SimpleUploadedFile("fake.png", b"not an image at all")})
    assert list(item.attachments.values_list("original_name", "kind")) == [("方案.pdf", "pdf")]
    attachment = item.attachments.get()
    client.post(reverse("supply:attachment_delete", args=[item.pk, attachment.pk]))
    assert item.attachments.count() == 0
    outsider = client_for(UserFactory())
    assert outsider.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}).status_code == 404
