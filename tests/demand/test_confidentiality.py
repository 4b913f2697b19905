"""The confidentiality leak table: every surface × every tier × every kind of viewer.

Each demand carries a secret word in its details and a contact e-mail; for each surface the table
says whether the title, the secret and the contact may appear, and the test looks for them in what
the surface returns (HTML or JSON, whole).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from duijie.demand import services
from duijie.demand.models import Demand
from tests.demand.helpers import published
from tests.factories import AdminMembershipFactory, BrokerFactory, OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db

TIERS = ("public", "summary", "private")
VIEWERS = ("anonymous", "stranger", "stranger_with_terms", "owner", "operator", "broker")
PRIVILEGED = {"owner", "operator", "broker"}


def secret(tier: str) -> str:
    return {"public": "公开细节甲", "summary": "摘要细节乙", "private": "私密细节丙"}[tier]


def title(tier: str) -> str:
    return {"public": "公开需求标题", "summary": "摘要需求标题", "private": "私密需求标题"}[tier]


def contact(tier: str) -> str:
    return f"contact-{tier}@enterprise.example"


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    owner = AdminMembershipFactory()
    operator = OperatorFactory()
    broker = BrokerFactory()
    demands = {}
    with django_capture_on_commit_callbacks(execute=True):
        for tier in TIERS:
            demand = published(owner, operator, title=title(tier), summary="寻求合作方案。", confidentiality=tier,
                               problem=f"关键难点：{secret(tier)}。", modes=["licence"], trl_needed=5,
                               contact_email=contact(tier))
            services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
            demands[tier] = demand
    stranger_with_terms = UserFactory()
    services.demand_accept_terms(actor=stranger_with_terms, demand=demands["summary"])
    users = {"anonymous": None, "stranger": UserFactory(), "stranger_with_terms": stranger_with_terms,
             "owner": owner.user, "operator": operator, "broker": broker}
    return {"demands": demands, "users": users}


def client(world: dict[str, Any], viewer: str) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if world["users"][viewer] is not None:
        c.force_login(world["users"][viewer])
    return c


def sees_detail_page(tier: str, viewer: str) -> bool:
    return tier != "private" or viewer in PRIVILEGED


def sees_secret(tier: str, viewer: str) -> bool:
    if viewer in PRIVILEGED:
        return True
    return tier == "public" or (tier == "summary" and viewer == "stranger_with_terms")


def text_of(response: Any) -> str:
    body = response.content.decode()
    return json.dumps(response.json(), ensure_ascii=False) if response["Content-Type"].startswith(
        "application/json") else body


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("tier", TIERS)
def test_detail_page_and_api(world, tier, viewer):
    demand = world["demands"][tier]
    c = client(world, viewer)
    for url in (f"/demands/{demand.pk}/", f"/api/demand/demands/{demand.pk}"):
        response = c.get(url)
        if not sees_detail_page(tier, viewer):
            assert response.status_code == 404, (url, tier, viewer)
            assert title(tier) not in response.content.decode()
            continue
        assert response.status_code == 200, (url, tier, viewer)
        body = text_of(response)
        assert title(tier) in body, (url, tier, viewer)
        assert (secret(tier) in body) is sees_secret(tier, viewer), (url, tier, viewer)
        assert (contact(tier) in body) is (viewer in PRIVILEGED), (url, tier, viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_board_lists_search_and_facets(world, viewer):
    c = client(world, viewer)
    surfaces = {
        "board page": "/demands/", "board api": "/api/demand/demands",
    }
    for name, url in surfaces.items():
        body = text_of(c.get(url))
        assert title("public") in body and title("summary") in body, (name, viewer)
        assert title("private") not in body, (name, viewer)  # the board is the same for everyone
        for tier in TIERS:
            assert secret(tier) not in body and contact(tier) not in body, (name, tier, viewer)
    # Searching a detail finds it only where the tier shows the detail to anyone.
    def results(url: str) -> str:  # the page echoes the query in its search box: read the results only
        body = text_of(c.get(url))
        return body.split('id="hall-results"', 1)[-1]

    for url in ("/demands/?q={}", "/api/demand/demands?q={}"):
        for tier in TIERS:
            body = results(url.format(secret(tier)))
            assert (title(tier) in body) is (tier == "public"), (url, tier, viewer)
        assert title("private") not in results(url.format(title("private")))
    # Filters and counts on details see public-tier demands only; the field counts no private one.
    facets = c.get("/api/demand/demands/facets").json()
    assert {f["value"]: f["count"] for f in facets["mode"]}["licence"] == 1
    assert {f["value"]: f["count"] for f in facets["stage"]}["middle"] == 1
    assert {f["value"]: f["count"] for f in facets["field"]}["new-energy"] == 2
    body = text_of(c.get("/api/demand/demands?mode=licence"))
    assert title("public") in body and title("summary") not in body


@pytest.mark.parametrize("viewer", VIEWERS)
def test_my_demands_duplicates_and_history(world, viewer):
    c = client(world, viewer)
    mine = c.get("/api/demand/demands/mine")
    if viewer == "anonymous":
        assert mine.status_code == 401
    else:
        body = text_of(mine)
        for tier in TIERS:
            assert (title(tier) in body) is (viewer == "owner"), (tier, viewer)
    for tier in TIERS:
        demand = world["demands"][tier]
        duplicates = c.get(f"/api/demand/demands/{demand.pk}/duplicates")
        assert duplicates.status_code == (200 if viewer == "operator" else 401 if viewer == "anonymous" else
                                          404 if not sees_detail_page(tier, viewer) else 403), (tier, viewer)
        page = c.get(f"/demands/{demand.pk}/")
        if page.status_code == 200:
            assert bool(page.context["history"]) is (viewer in PRIVILEGED)
            assert page.context["duplicates"] == [] or viewer == "operator"


def test_emails_go_only_to_the_enterprise_and_the_operators(world):
    privileged = {world["users"]["owner"].email, world["users"]["operator"].email}
    assert mail.outbox, "publishing sends mail"
    for message in mail.outbox:
        assert set(message.to) <= privileged, message.to


def test_no_other_listing_surface_exists_yet():
    """Exports, sitemaps and match explanations of demands do not exist yet: when one is added, it
    must join the table above (this test fails as a reminder)."""
    from django.urls import get_resolver

    names = {str(p.pattern) for p in get_resolver().url_patterns}
    assert not any("sitemap" in n for n in names)
    from duijie.demand import urls

    assert sorted(p.name for p in urls.urlpatterns) == sorted(
        ["board", "create", "mine", "screening", "detail", "edit", "accept_terms", "transition", "assign_brokers",
         "challenge_create", "challenges", "challenge", "challenge_action", "challenge_review",
         "import", "import_template", "import_template_xlsx", "file_upload", "file", "application_file_upload", "application_file"])
    assert Demand._meta.get_field("public_text")  # the board searches this, never search_text


@pytest.mark.parametrize("viewer", ["anonymous", "stranger", "owner"])
def test_a_challenge_shows_what_its_demands_tier_shows(world, viewer):
    from datetime import timedelta

    from django.utils import timezone

    from tests.demand.test_challenges import terms

    operator = world["users"]["operator"]
    now = timezone.now()
    challenge = services.challenge_create(actor=operator, demand=world["demands"]["summary"], data=terms(
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9)))
    while challenge.stage != "announced":
        challenge = services.challenge_advance(actor=operator, challenge=challenge)
    private = services.challenge_create(actor=operator, demand=world["demands"]["private"], data=terms())
    for _ in range(2):
        private = services.challenge_advance(actor=operator, challenge=private)
    from duijie.core.errors import DomainError

    with pytest.raises(DomainError):  # a private demand's list is never published
        services.challenge_advance(actor=operator, challenge=private)
    c = client(world, viewer)
    for url in (f"/demands/challenges/{challenge.pk}/", f"/api/demand/challenges/{challenge.pk}",
                "/demands/challenges/", "/api/demand/challenges"):
        body = text_of(c.get(url))
        assert (title("summary") in body and secret("summary") not in body) or viewer == "owner", (url, viewer)
        assert title("private") not in body or viewer == "owner", (url, viewer)
        assert contact("summary") not in body or viewer == "owner", (url, viewer)
    for url in (f"/demands/challenges/{private.pk}/", f"/api/demand/challenges/{private.pk}"):
        assert c.get(url).status_code == (200 if viewer == "owner" else 404), (url, viewer)


PDF = b"%PDF-1.4\n% a tiny test file\n"


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("tier", TIERS)
def test_demand_files_follow_the_tier(world, tier, viewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    demand = world["demands"][tier]
    attachment = services.demand_attachment_add(actor=world["users"]["operator"], demand=demand,
                                                upload=SimpleUploadedFile("spec.pdf", PDF))
    from django.conf import settings

    # Stored outside the media folder: no URL serves it but the checked view below.
    assert attachment.file.path.startswith(str(settings.VAR_DIR / "private"))
    assert client(world, "owner").get(f"/media/{attachment.file.name}").status_code == 404
    response = client(world, viewer).get(f"/demands/{demand.pk}/files/{attachment.pk}/")
    allowed = sees_detail_page(tier, viewer) and sees_secret(tier, viewer)
    assert response.status_code == (200 if allowed else 404), (tier, viewer)
    if allowed:
        assert b"".join(response.streaming_content) == PDF
