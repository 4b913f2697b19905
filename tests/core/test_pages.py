import re

import pytest

from duijie.accounts.enums import OrganisationStatus, OrganisationType
from tests.factories import MembershipFactory, OrganisationFactory, UKOrganisationFactory
from tests.helpers import in_language

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def organisations(db):
    """Two enterprises and a university (active), plus a suspended enterprise."""
    OrganisationFactory.create_batch(2)
    UKOrganisationFactory()
    return OrganisationFactory(status=OrganisationStatus.SUSPENDED)


def counts_by_kind(response) -> list[int]:
    return [count for _, count in response.context["org_counts"]]


def test_home_counts_visible_organisations_by_kind(organisations, client_for):
    response = client_for(None, language="en").get("/")
    assert response.status_code == 200
    # Order of OrganisationType: university, research institute, enterprise, investor, ...
    assert [str(label) for label, _ in response.context["org_counts"]] == [str(label) for _, label in OrganisationType.choices]
    assert counts_by_kind(response) == [1, 0, 2, 0, 0, 0, 0]
    assert response.context["org_total"] == 3


def test_home_counts_include_own_suspended_organisation(organisations, client_for):
    member = MembershipFactory(organisation=organisations).user
    response = client_for(member).get("/")
    assert counts_by_kind(response) == [1, 0, 3, 0, 0, 0, 0]
    assert response.context["org_total"] == 4


def test_home_counts_are_not_multiplied_by_memberships(db, client_for):
    organisation = OrganisationFactory()
    member = MembershipFactory(organisation=organisation).user
    MembershipFactory.create_batch(3, organisation=organisation)
    response = client_for(member).get("/")
    assert response.context["org_total"] == 1


def test_home_shows_technology_fields(db, client_for):
    response = client_for(None, language="en").get("/")
    fields = list(response.context["fields"])
    assert len(fields) == 11
    assert fields[0].label in response.content.decode()


def test_home_in_chinese_by_default(db, client_for):
    response = client_for(None).get("/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-hans">' in response.content.decode()


def test_404_page_is_our_template_in_english(db, client_for):
    response = client_for(None, language="en").get("/no-such-page/")
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Page not found</h1>" in html


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "ru"])
def test_404_page_is_translated(db, client_for, language):
    response = client_for(None, language=language).get("/no-such-page/")
    assert response.status_code == 404
    heading = in_language(language, "Page not found")
    assert heading != "Page not found"
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html


def test_csp_header_allows_only_own_scripts(db, client_for):
    response = client_for(None).get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert csp_directives(response["Content-Security-Policy"]) == EXPECTED_CSP


def test_security_headers_are_set(db, client_for):
    response = client_for(None).get("/")
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"], response["Referrer-Policy"]) == (
        "DENY", "nosniff", "same-origin"
    )


def test_api_docs_page_loads_nothing_from_another_host(db, client_for):
    response = client_for(None).get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    hosts = set(re.findall(r"(?:https?:)?//([A-Za-z0-9.-]+(?::\d+)?)", html))
    assert hosts - {"testserver"} == set()
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"
    ]


def test_api_docs_page_csp_relaxes_only_style_attributes(db, client_for):
    response = client_for(None).get("/api/docs")
    assert csp_directives(response["Content-Security-Policy"]) == {
        **EXPECTED_CSP, "style-src-attr": ["'unsafe-inline'"]
    }


def test_api_docs_scripts_are_served_locally(db, client_for):
    response = client_for(None).get("/static/ninja/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(("text/javascript", "application/javascript"))


def test_csrf_failure_page_is_translated(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans").post("/accounts/sign-in/", {})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


def test_bad_host_gets_the_400_page(db):
    from django.test import Client

    response = Client(HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_org_admin_sees_my_organisation_in_navigation(org_admin, client_for):
    response = client_for(org_admin.user, language="en").get("/")
    assert ("My organisation", f"/accounts/organisations/{org_admin.organisation.pk}/members/", False) in [
        (str(label), url, active) for label, url, active in response.context["nav_items"]
    ]
