import pytest

from duijie.core.models import AuditEvent
from duijie.supply.models import Exhibition
from tests.supply.helpers import published

pytestmark = pytest.mark.django_db


def test_operator_curates_an_exhibition_in_the_back_office(operator, org_admin, client_for, client):
    item = published(org_admin, operator=operator)
    response = client_for(operator).post("/backoffice/supply/exhibition/add/", {
        "slug": "tech-week-2026", "title": "2026 技术周", "title_en": "Tech Week 2026", "intro": "介绍",
        "intro_en": "Intro", "starts_on": "2026-11-01", "ends_on": "2026-11-07", "is_published": "on",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000", "items-0-achievement": item.pk, "items-0-sort_order": "1", "_save": "Save",
    })
    assert response.status_code == 302
    exhibition = Exhibition.objects.get()
    assert list(exhibition.items.values_list("achievement", flat=True)) == [item.pk]
    assert AuditEvent.objects.filter(action="admin_added", target_id=str(exhibition.pk)).count() == 1
    page = client.get("/hall/exhibitions/tech-week-2026/")
    assert [card.pk for card in page.context["cards"]] == [item.pk]


def test_unpublished_exhibition_is_hidden_from_visitors(operator, client):
    Exhibition.objects.create(slug="draft-week", title="草稿", starts_on="2026-01-01", ends_on="2026-01-02")
    assert client.get("/hall/exhibitions/draft-week/").status_code == 404


def test_achievements_are_read_only_in_the_back_office(operator, org_admin, client_for):
    item = published(org_admin, operator=operator)
    client = client_for(operator)
    assert client.get(f"/backoffice/supply/achievement/{item.pk}/change/").status_code == 200
    client.post(f"/backoffice/supply/achievement/{item.pk}/change/", {"title": "改掉"})
    item.refresh_from_db()
    assert item.title != "改掉"


def test_import_jobs_are_listed_read_only_in_the_back_office(operator, org_admin, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from duijie.supply import imports
    from duijie.supply.models import ImportJob

    job = imports.import_job_start(actor=org_admin.user, organisation=org_admin.organisation,
                                   upload=SimpleUploadedFile("成果.csv", b"not,a,template\n"), dry_run=True)
    client = client_for(operator, language="en")
    listing = client.get("/backoffice/supply/importjob/")
    assert listing.status_code == 200 and "成果.csv" in listing.content.decode()
    page = client.get(f"/backoffice/supply/importjob/{job.pk}/change/")
    assert page.status_code == 200 and job.file.name not in page.content.decode()  # the file is not offered
    client.post(f"/backoffice/supply/importjob/{job.pk}/change/", {"original_name": "x.csv"})
    assert ImportJob.objects.get().original_name == "成果.csv"
    assert client_for(org_admin.user).get("/backoffice/supply/importjob/").status_code in (302, 403)
