"""End-to-end checks in a real browser (Debian's Chromium through Playwright).

Run with ``pytest -m browser`` (or ``pytest tests/e2e``). The pages are served by
pytest-django's ``live_server``; reference data comes from the migrations, so the tests ask
for ``serialized_rollback`` to get it back after the flush of the previous transactional test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from duijie.accounts.forms import SignInForm
from duijie.taxonomy.selectors import top_level_fields
from tests.factories import PASSWORD, AdminMembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HERO = "Bring research results and enterprise needs together"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def translated(message: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def html_lang(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("html").get_attribute("lang") or ""


def test_site_styles_and_scripts_load(open_browser):  # type: ignore[no-untyped-def]
    """The site's own CSS, JavaScript and logo are served (from ``duijie/static``) and applied."""
    session = open_browser(language="en")
    page = session.page
    session.goto("/")
    page.wait_for_load_state("networkidle")
    assert session.failed == [], f"failed loads: {session.failed}"
    for asset in ["/static/duijie/css/duijie.css", "/static/duijie/js/duijie.js", "/static/duijie/img/logo.svg"]:
        assert session.base_url + asset in session.requests, asset
    # duijie.css is applied: the page background and the hero gradient.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 248, 250)"
    assert "gradient" in page.evaluate("getComputedStyle(document.querySelector('.hero')).backgroundImage")
    # The logo decoded; htmx ran.
    assert page.evaluate("document.querySelector('.brand img').naturalWidth") > 0
    assert page.evaluate("typeof window.htmx") == "object"
    # The header's primary button is readable: white on the brand colour, not body text on it.
    sign_up = page.locator(".nav-end a.btn-primary")
    assert sign_up.evaluate("el => getComputedStyle(el).color") == "rgb(255, 255, 255)"
    assert sign_up.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(11, 92, 107)"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_and_sign_in(open_browser, language):  # type: ignore[no-untyped-def]
    user = UserFactory(full_name="王小明" if language == "zh-hans" else "Alice Example")
    session = open_browser(language=language)
    page = session.page

    session.goto("/")
    assert html_lang(page) == language
    heading = page.locator(".hero h1")
    expected_heading = translated(HERO, language)
    assert heading.inner_text().strip() == expected_heading
    if language == "zh-hans":
        # Needs the compiled catalog (``duijie compilemessages``, which ``./dev test`` runs).
        assert CJK.search(heading.inner_text()), "no Chinese hero heading: are the .mo files compiled?"
        assert CJK.search(page.locator(".site-nav").inner_text())
    else:
        assert heading.inner_text().strip() == HERO
    # Reference data from the migrations (brought back by serialized_rollback) shows on the home page.
    field_count = top_level_fields().count()
    assert field_count > 0
    assert page.locator("main .card-grid").first.locator(".card").count() == field_count
    session.screenshot(f"home-{language}")

    # A wrong password: the form comes back with the error and the e-mail filled in.
    page.locator(".site-header").get_by_role("link", name=translated("Sign in", language), exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))
    assert html_lang(page) == language
    session.screenshot(f"sign-in-{language}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", "not-the-password")
    page.locator(".auth-card button[type=submit]").click()
    error = page.locator(".form-errors")
    error.wait_for()
    with translation.override(language):
        assert error.inner_text().strip() == str(SignInForm.error_messages["invalid_login"])
    assert page.input_value("#id_username") == user.email
    assert page.locator(".nav-user").count() == 0
    session.screenshot(f"sign-in-failed-{language}")

    # The right password: back on the home page, signed in, the name in the header.
    page.fill("#id_password", PASSWORD)
    page.locator(".auth-card button[type=submit]").click()
    page.wait_for_url(session.base_url + "/")
    nav_user = page.locator(".site-header .nav-user")
    assert user.full_name in nav_user.inner_text()
    assert html_lang(page) == language
    assert page.locator(".hero-actions").get_by_role("link", name=translated("My workspace", language)).count() == 1
    session.screenshot(f"signed-in-{language}")
    assert session.page_errors == []
    assert session.failed == []


def test_no_request_leaves_the_machine(open_browser):  # type: ignore[no-untyped-def]
    OrganisationFactory()
    session = open_browser(language="zh-hans")
    host = urlsplit(session.base_url).hostname
    allowed = LOCAL_HOSTS | {host}
    console_errors: list[tuple[str, str, str]] = []

    pages = {"/": None, "/accounts/sign-in/": None, "/accounts/organisations/": "organisations",
             "/reference/fields/": "reference-fields", "/api/docs": "api-docs"}
    for path, screenshot in pages.items():
        session.console.clear()
        response = session.page.goto(session.base_url + path, wait_until="networkidle")
        assert response is not None and response.ok, path
        assert session.page.url.startswith(session.base_url), path
        if path != "/api/docs":
            # Our own pages: no console errors at all, Content-Security-Policy refusals included.
            console_errors += session.console_errors()
            assert session.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 248, 250)", (
                f"{path}: duijie.css not applied")
        if path == "/accounts/organisations/":
            assert session.page.locator("main").get_by_text("苏州测试科技有限公司", exact=False).count() >= 1
        if path == "/api/docs":
            # Swagger UI is served from this site and has rendered the API description.
            session.page.locator(".swagger-ui .info .title").wait_for()
        if screenshot:
            session.screenshot(f"{screenshot}-zh-hans")

    remote = [url for url in session.requests if urlsplit(url).scheme not in {"data", "blob", "about"}
              and urlsplit(url).hostname not in allowed]
    assert remote == [], f"requests left the machine: {remote}"
    assert any(url.endswith(".css") for url in session.requests)  # the recorder did record
    csp_errors = [entry for entry in console_errors if "content security policy" in entry[1].lower()
                  or "content-security-policy" in entry[1].lower()]
    assert csp_errors == [], f"Content-Security-Policy refusals: {csp_errors}"
    assert console_errors == [], f"console errors: {console_errors}"
    assert session.page_errors == []
    assert session.failed == [], f"failed loads: {session.failed}"


def test_language_switcher(open_browser):  # type: ignore[no-untyped-def]
    session = open_browser(language="zh-hans")
    page = session.page
    session.goto("/")
    assert html_lang(page) == "zh-hans"
    with page.expect_navigation():
        page.select_option("#lang-select", "en")  # duijie.js submits the form on change
    page.wait_for_load_state()
    assert page.url == session.base_url + "/"
    assert html_lang(page) == "en"
    assert page.locator(".hero h1").inner_text().strip() == HERO
    assert page.locator("#lang-select").input_value() == "en"
    cookies = {cookie["name"]: cookie["value"] for cookie in session.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "en"
    # The choice sticks on the next page.
    session.goto("/reference/fields/")
    assert html_lang(page) == "en"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_mobile_home_and_menu(open_browser, language):  # type: ignore[no-untyped-def]
    session = open_browser(language=language, viewport=(390, 844))
    page = session.page
    session.goto("/")
    toggle = page.locator("button.nav-toggle")
    nav = page.locator("#site-nav")
    assert toggle.is_visible()
    assert not nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    session.screenshot(f"mobile-home-{language}")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    nav.wait_for(state="visible")
    organisations = nav.get_by_role("link", name=translated("Organisations", language))
    assert organisations.is_visible()
    assert nav.locator("#lang-select").is_visible()
    assert nav.get_by_role("link", name=translated("Sign in", language), exact=True).is_visible()
    session.screenshot(f"mobile-menu-{language}")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    nav.wait_for(state="hidden")

    # The menu's links work.
    toggle.click()
    organisations.click()
    page.wait_for_url(re.compile(r"/accounts/organisations/"))
    assert session.page_errors == []


MAIN_PAGE_LANGUAGES = ("zh-hans", "zh-hant", "en", "ru")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
TRADITIONAL_ONLY = set("讓與對業")  # in the zh-hant hero heading, each differs from its simplified form


def test_main_pages_in_every_language_screenshots(open_browser):  # type: ignore[no-untyped-def]
    """Home, sign-in and an organisation page render in each language; a screenshot of each."""
    organisation = OrganisationFactory()
    AdminMembershipFactory(organisation=organisation)
    pages = {"home": "/", "sign-in": "/accounts/sign-in/",
             "organisation": f"/accounts/organisations/{organisation.pk}/"}
    home_headings: dict[str, str] = {}
    for language in MAIN_PAGE_LANGUAGES:
        session = open_browser(language=language)
        page = session.page
        for name, path in pages.items():
            session.goto(path)
            assert html_lang(page) == language, f"{name}-{language}"
            heading = page.locator("main h1").first.inner_text().strip()
            assert heading, f"{name}-{language}: empty <h1>"
            if name == "home":
                home_headings[language] = heading
                assert heading == translated(HERO, language)
            if language == "ru" and name != "organisation":  # the organisation's name is its own
                assert CYRILLIC.search(heading), f"{name}-ru: no Cyrillic in {heading!r}"
            # Nothing sticks out sideways at a common desktop width (long Russian labels).
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280, f"{name}-{language}"
            session.screenshot(f"{name}-{language}")
        assert session.page_errors == [], language
        assert session.failed == [], language
    assert home_headings["zh-hant"] != home_headings["zh-hans"]
    assert TRADITIONAL_ONLY & set(home_headings["zh-hant"]), home_headings["zh-hant"]
    assert not TRADITIONAL_ONLY & set(home_headings["zh-hans"]), home_headings["zh-hans"]
