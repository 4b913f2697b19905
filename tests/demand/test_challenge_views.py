"""Open challenges through the pages and the API: the same services, the same rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from duijie.demand import services
from duijie.demand.enums import ChallengeStage
from duijie.demand.models import Application, Challenge, ConflictDeclaration, Score
from tests.demand.helpers import published
from tests.demand.test_challenges import proposal, terms
from tests.factories import AdminMembershipFactory, OperatorFactory, UKOrganisationFactory, UserFactory
from tests.helpers import get_counting_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():  # type: ignore[no-untyped-def]
    return OperatorFactory()


def open_challenge(owner, operator, **overrides):  # type: ignore[no-untyped-def]
    now = timezone.now()
    demand = published(owner, operator)
    challenge = services.challenge_create(actor=owner.user, demand=demand, data=terms(
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30), **overrides))
    while challenge.stage != ChallengeStage.ANNOUNCED:
        challenge = services.challenge_advance(actor=operator, challenge=challenge)
    return challenge


def test_the_enterprise_sets_a_challenge_through_its_page(org_admin, operator, client_for):
    demand = published(org_admin, operator)
    c = client_for(org_admin.user, language="en")
    url = reverse("demand:challenge_create", args=[demand.pk])
    form = {"bounty": "2000000", "currency": "CNY", "bounty_payer": "Enterprise", "opens_at": "2026-12-01T09:00",
            "closes_at": "2026-12-31T17:00", "criteria": "Advance | 60\nTeam | 30", "announcement": "Open call",
            "required_documents": "Plan\nTeam CV"}
    response = c.post(url, form)
    assert response.status_code == 200 and not Challenge.objects.exists()
    assert "add up to 90" in str(response.context["form"].errors)
    response = c.post(url, {**form, "criteria": "Advance | 60\nTeam | 40"})
    challenge = Challenge.objects.get()
    assert response["Location"] == reverse("demand:challenge", args=[challenge.pk])
    assert (challenge.required_documents, [cr.weight for cr in challenge.criteria.all()]) == (["Plan", "Team CV"],
                                                                                             [60, 40])
    assert client_for(UserFactory()).get(url).status_code == 403
    # Before the list is published the page is the enterprise's, the panel's and the operators'.
    page = reverse("demand:challenge", args=[challenge.pk])
    assert client_for(None).get(page).status_code == 404
    assert c.get(page).status_code == 200


def test_a_team_applies_and_withdraws_on_the_page_inside_the_window(org_admin, operator, client_for):
    challenge = open_challenge(org_admin, operator)
    team = AdminMembershipFactory(organisation=UKOrganisationFactory())
    c = client_for(team.user, language="en")
    page = reverse("demand:challenge", args=[challenge.pk])
    shown = c.get(page)
    assert shown.context["window_open"] and shown.context["form"] is not None
    c.post(page, {"action": "apply", "organisation": team.organisation.pk, "proposal": "P", "technical_route": "R",
                  "budget": "100", "timeline": "T", "team": "Us"})
    application = Application.objects.get()
    assert application.organisation == team.organisation
    assert [a.pk for a in c.get(page).context["applications"]] == [application.pk]
    assert list(client_for(UserFactory()).get(page).context["applications"]) == []  # others see no application
    c.post(reverse("demand:challenge_action", args=[challenge.pk]), {"action": "withdraw",
                                                                      "application": application.pk})
    assert Application.objects.get().status == "withdrawn"
    # After the deadline: no form, and nothing is accepted.
    Challenge.objects.filter(pk=challenge.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert c.get(page).context["form"] is None
    c.post(page, {"action": "apply", "organisation": team.organisation.pk, "proposal": "P", "technical_route": "R",
                  "budget": "100", "timeline": "T", "team": "Us"})
    assert Application.objects.count() == 1


def test_a_reviewer_declares_then_scores_on_the_review_page(org_admin, operator, client_for):
    challenge = open_challenge(org_admin, operator)
    team = AdminMembershipFactory(organisation=UKOrganisationFactory())
    application = services.application_submit(actor=team.user, challenge=challenge, organisation=team.organisation,
                                              data=proposal())
    reviewer = UserFactory()
    services.reviewer_assign(actor=operator, challenge=challenge, user=reviewer)
    Challenge.objects.filter(pk=challenge.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    challenge.refresh_from_db()
    while challenge.stage != ChallengeStage.EVALUATION:
        challenge = services.challenge_advance(actor=operator, challenge=challenge)
    c = client_for(reviewer, language="en")
    url = reverse("demand:challenge_review", args=[challenge.pk, application.pk])
    criteria = list(challenge.criteria.all())
    scores = {f"score-{cr.pk}": "88" for cr in criteria}
    c.post(url, {"action": "score", **scores})
    assert not Score.objects.exists()  # no declaration yet
    c.post(url, {"action": "declare", "conflicted": "no"})
    assert ConflictDeclaration.objects.get().conflicted is False
    c.post(url, {"action": "score", **scores})
    assert Score.objects.count() == len(criteria)
    page = client_for(operator).get(reverse("demand:challenge", args=[challenge.pk]))
    assert page.context["ranking"][0].total == Decimal("88.00")
    assert client_for(UserFactory()).get(url).status_code in (403, 404)


def test_the_board_shows_published_lists_only_and_its_queries_stay_flat(org_admin, operator, client_for):
    hidden = services.challenge_create(actor=org_admin.user, demand=published(org_admin, operator), data=terms())
    first = open_challenge(org_admin, operator)
    c = client_for(None)
    one, response = get_counting_queries(c, reverse("demand:challenges"))
    assert [ch.pk for ch in response.context["page"].object_list] == [first.pk]
    for _ in range(3):
        open_challenge(org_admin, operator)
    four, response = get_counting_queries(c, reverse("demand:challenges"))
    assert len(response.context["page"].object_list) == 4 and hidden.pk not in response.context["open_ids"]
    assert four == one


def test_the_api_runs_a_challenge_from_terms_to_application(org_admin, operator, client_for):
    demand = published(org_admin, operator)
    owner = client_for(org_admin.user)
    now = timezone.now()
    payload = {"bounty": "1500000", "bounty_payer": "企业", "opens_at": (now - timedelta(hours=1)).isoformat(),
               "closes_at": (now + timedelta(days=10)).isoformat(), "announcement": "发榜公告",
               "criteria": [{"name": "技术", "weight": 70}, {"name": "团队", "weight": 30}],
               "eligible_kinds": ["university"], "eligible_regions": ["GB"]}
    created = owner.post(f"/api/demand/demands/{demand.pk}/challenge", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    desk = client_for(operator)
    for _ in range(3):
        moved = desk.post(f"/api/demand/challenges/{pk}/advance", {}, content_type="application/json")
    assert moved.json()["stage"] == "announced" and moved.json()["window_open"] is True
    assert owner.post(f"/api/demand/challenges/{pk}/advance", {}, content_type="application/json").status_code == 403
    listed = client_for(None).get("/api/demand/challenges").json()
    assert [c["id"] for c in listed["items"]] == [pk] and listed["count"] == 1
    company = AdminMembershipFactory()
    refused = client_for(company.user).post(f"/api/demand/challenges/{pk}/applications", {
        "organisation": company.organisation.pk, "proposal": "p", "technical_route": "r", "budget": "1",
        "timeline": "t", "team": "u"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_eligible"
    team = AdminMembershipFactory(organisation=UKOrganisationFactory())
    applied = client_for(team.user).post(f"/api/demand/challenges/{pk}/applications", {
        "organisation": team.organisation.pk, "proposal": "p", "technical_route": "r", "budget": "1",
        "timeline": "t", "team": "u"}, content_type="application/json")
    assert applied.status_code == 201, applied.content
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = client_for(team.user).post(f"/api/demand/applications/{applied.json()['id']}/files", {
        "document": "技术方案", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")})
    assert document.status_code == 200 and document.json()["document"] == "技术方案"
    assert client_for(company.user).post(f"/api/demand/applications/{applied.json()['id']}/files", {
        "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 x")}).status_code == 404
    assert client_for(UserFactory()).get(f"/api/demand/challenges/{pk}/ranking").status_code == 403
    assert [r["organisation"] for r in owner.get(f"/api/demand/challenges/{pk}/ranking").json()] == [
        str(team.organisation.display_name)]


def test_application_documents_are_for_the_team_the_panel_and_the_enterprise(org_admin, operator, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    challenge = open_challenge(org_admin, operator)
    team = AdminMembershipFactory(organisation=UKOrganisationFactory())
    application = services.application_submit(actor=team.user, challenge=challenge, organisation=team.organisation,
                                              data=proposal())
    c = client_for(team.user, language="en")
    c.post(reverse("demand:application_file_upload", args=[challenge.pk, application.pk]),
           {"document": "技术方案", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")})
    c.post(reverse("demand:application_file_upload", args=[challenge.pk, application.pk]),
           {"document": "技术方案", "file": SimpleUploadedFile("plan.exe", b"MZ\x90\x00")})
    attachment = application.attachments.get()
    assert (attachment.document, attachment.original_name) == ("技术方案", "plan.pdf")
    url = reverse("demand:application_file", args=[challenge.pk, application.pk, attachment.pk])
    for user, status in ((team.user, 200), (operator, 200), (org_admin.user, 200), (UserFactory(), 404)):
        assert client_for(user).get(url).status_code == status, user
    other = AdminMembershipFactory(organisation=UKOrganisationFactory())
    assert client_for(other.user).get(url).status_code == 404
