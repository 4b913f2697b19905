"""The translation catalogs are complete, and the main pages speak the language asked for.

The page tests need compiled catalogs (``.mo``): ``./dev test`` compiles them before pytest;
by hand, run ``.venv/bin/duijie compilemessages --ignore=.venv --ignore=var`` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.factories import (
    AdminMembershipFactory,
    ApiTokenFactory,
    OperatorFactory,
    OrganisationFactory,
    UserFactory,
)

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
CATALOGS = ["zh_Hans", "zh_Hant", "en", "ru"]
NPLURALS = {"zh_Hans": 1, "zh_Hant": 1, "en": 2, "ru": 3}

# %(name)s / %(n)d, bare %s / %d, and str.format-style {name}.
PLACEHOLDER_RE = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sd]|\{[A-Za-z_]\w*\}")

# ASCII words allowed on a Chinese page: names that stay as they are in Chinese UIs.
ALLOWED_ASCII_WORDS = {
    "API",  # navigation, footer, "API 令牌"
    "TRL",  # technology readiness level numbering on the reference page
    "English",  # the language switcher names each language in itself
    "CNY", "GBP", "EUR", "USD", "RUB",  # ISO currency codes next to amounts
    "PCT",  # the Patent Cooperation Treaty, named so in Chinese too
    "Excel", "CSV", "PNG", "JPEG", "GIF", "WebP", "PDF",  # file format names
    "Authorization",  # the HTTP header shown in the token help text
    "Bearer",
}
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ASCII_WORD_RE = re.compile(r"[A-Za-z]{3,}")
CYRILLIC_RE = re.compile(r"[\u0400-\u04FF]")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _catalog(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"))


def _entries(locale: str) -> list[polib.POEntry]:
    return [e for e in _catalog(locale) if not e.obsolete]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER_RE.findall(text))


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


# --- Catalogs -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_exists_and_is_not_empty(locale):
    assert len(_entries(locale)) > 100


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_has_no_untranslated_entries(locale):
    untranslated = [_label(e) for e in _entries(locale) if not e.translated() and "fuzzy" not in e.flags]
    assert untranslated == []


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_has_no_fuzzy_entries(locale):
    catalog = _catalog(locale)
    assert not catalog.metadata_is_fuzzy
    assert [_label(e) for e in catalog.fuzzy_entries()] == []


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_plural_forms_match_the_language(locale):
    catalog = _catalog(locale)
    assert f"nplurals={NPLURALS[locale]};" in catalog.metadata["Plural-Forms"].replace(" ", "")
    wrong = [
        _label(e)
        for e in _entries(locale)
        if e.msgid_plural and sorted(e.msgstr_plural) != list(range(NPLURALS[locale]))
    ]
    assert wrong == []


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_placeholders_match_msgid(locale):
    mismatches = []
    for entry in _entries(locale):
        if entry.msgid_plural:
            allowed = [_placeholders(entry.msgid), _placeholders(entry.msgid_plural)]
            for form, text in entry.msgstr_plural.items():
                if _placeholders(text) not in allowed:
                    mismatches.append(f"{_label(entry)} [{form}] -> {text}")
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            mismatches.append(f"{_label(entry)} -> {entry.msgstr}")
    assert mismatches == []


def test_catalog_english_msgstr_equals_msgid():
    different = []
    for entry in _entries("en"):
        if entry.msgid_plural:
            if entry.msgstr_plural != {0: entry.msgid, 1: entry.msgid_plural}:
                different.append(_label(entry))
        elif entry.msgstr != entry.msgid:
            different.append(_label(entry))
    assert different == []


def test_catalogs_have_the_same_entries():
    keys = {locale: {(e.msgctxt, e.msgid) for e in _entries(locale)} for locale in CATALOGS}
    assert keys["zh_Hant"] == keys["zh_Hans"]
    assert keys["en"] == keys["zh_Hans"]
    assert keys["ru"] == keys["zh_Hans"]


# --- Rendered pages -----------------------------------------------------------------------


@dataclass
class PageText:
    """What a reader sees: text outside <script>/<style>/<code>, plus the attributes read out."""

    chunks: list[str] = field(default_factory=list)
    h1: list[str] = field(default_factory=list)
    html_lang: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.chunks)


class _VisibleText(HTMLParser):
    SKIP = {"script", "style", "code"}  # <code> holds machine values: codes, token prefixes
    READ_ATTRS = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self._skip = 0
        self._in_h1 = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "html":
            self.page.html_lang = dict(attrs).get("lang") or ""
        if tag in self.SKIP:
            self._skip += 1
        if tag == "h1":
            self._in_h1 += 1
            self.page.h1.append("")
        for name, value in attrs:
            if name in self.READ_ATTRS and value:
                self.page.chunks.append(value)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "h1" and self._in_h1:
            self._in_h1 -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._skip or not data.strip():
            return
        self.page.chunks.append(data.strip())
        if self._in_h1:
            self.page.h1[-1] += data.strip()


def visible_text(html: str) -> PageText:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.page


def english_words(text: str) -> list[str]:
    words = ASCII_WORD_RE.findall(EMAIL_RE.sub(" ", text))
    return sorted({w for w in words if w not in ALLOWED_ASCII_WORDS})


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    """An organisation and its administrator, who has an API token.

    Content is Chinese, so that any English on a Chinese page comes from the interface.
    """
    organisation = OrganisationFactory(
        name="苏州测试科技有限公司", name_en="", description="专注工业传感器研发。"
    )
    user = UserFactory(full_name="张伟", job_title="技术总监")
    AdminMembershipFactory(user=user, organisation=organisation)
    ApiTokenFactory(user=user, name="夜间导出")
    operator = OperatorFactory(full_name="王静")
    # Audit rows of several kinds, so that the audit log's detail column is rendered too.
    from duijie.accounts import services

    services.user_set_platform_role(actor=operator, user=user, role="broker")
    services.organisation_set_verified(actor=operator, organisation=organisation)
    services.organisation_set_status(actor=operator, organisation=organisation, status="suspended")
    services.organisation_set_status(actor=operator, organisation=organisation, status="active")
    # A published achievement and a submitted one, for the hall, its detail page and the screening queue.
    from duijie.supply import services as supply_services
    from duijie.supply.models import Expert, ResearchDirection
    from duijie.supply.workflow import ScreeningCheck
    from duijie.taxonomy.models import TechField
    from tests.supply.helpers import data, granted_patent

    achievement = supply_services.achievement_create(
        actor=user, organisation=organisation,
        data=data(fields=["ai.computer-vision"], modes=["transfer"], ip_assets=[granted_patent()],
                  price_type="range", price_min=300_000, contact_name="张伟"),
    )
    supply_services.achievement_transition(actor=user, achievement=achievement, name="submit")
    supply_services.achievement_transition(actor=operator, achievement=achievement, name="publish",
                                           checklist=list(ScreeningCheck.ITEMS))
    waiting = supply_services.achievement_create(actor=user, organisation=organisation, data=data(title="待审核成果"))
    supply_services.achievement_transition(actor=user, achievement=waiting, name="submit")
    expert = Expert.objects.create(name="李明", title="教授", organisation=organisation, available_for_consulting=True)
    expert.fields.add(TechField.objects.get(code="ai"))
    ResearchDirection.objects.create(expert=expert, language="zh-hans", text="工业视觉检测")
    return {"user": user, "organisation": organisation, "operator": operator, "achievement": achievement,
            "expert": expert}


# (path, signed in, expected status, whether the <h1> is interface text rather than content)
PAGES = [
    ("/", False, 200, True),
    ("/accounts/sign-in/", False, 200, True),
    ("/accounts/sign-up/", False, 200, True),
    ("/accounts/organisations/", False, 200, True),
    ("organisation", True, 200, False),
    ("/reference/fields/", False, 200, True),
    ("/accounts/profile/", True, 200, True),
    ("/no-such-page/", False, 404, True),
    ("members", True, 200, True),
    ("edit", True, 200, False),
    ("/accounts/organisations/new/", True, 200, True),
    ("/accounts/password/reset/", False, 200, True),
    ("/accounts/password/change/", True, 200, True),
    ("/operator/audit/", "operator", 200, True),
    ("/accounts/users/", "operator", 200, True),
    ("/operator/audit/", True, 403, True),
    ("/hall/", False, 200, True),
    ("/hall/?field=ai&stage=middle&q=%E8%A7%86%E8%A7%89", False, 200, True),
    ("achievement", True, 200, False),
    ("achievement", "operator", 200, False),
    ("achievement-edit", True, 200, True),
    ("/hall/mine/", True, 200, True),
    ("/hall/screening/", "operator", 200, True),
    ("/hall/experts/", False, 200, True),
    ("expert", False, 200, False),
    ("institution", False, 200, False),
]
PAGE_IDS = [
    "home", "sign-in", "sign-up", "organisations", "organisation", "fields", "profile", "404",
    "members", "organisation-edit", "organisation-new", "password-reset", "password-change", "audit-log",
    "users", "403", "hall", "hall-filtered", "achievement", "achievement-operator", "achievement-edit",
    "my-achievements", "screening", "experts", "expert", "institution",
]


@pytest.fixture
def render(site, client_for):  # type: ignore[no-untyped-def]
    """``render(path, signed_in, language, status)``: the page's visible text."""

    def get(path: str, signed_in: bool | str, language: str, status: int) -> PageText:
        who = site["operator"] if signed_in == "operator" else site["user"] if signed_in else None
        client = client_for(who, language=language)
        pk = site["organisation"].pk
        path = {
            "organisation": f"/accounts/organisations/{pk}/",
            "members": f"/accounts/organisations/{pk}/members/",
            "edit": f"/accounts/organisations/{pk}/edit/",
            "achievement": f"/hall/achievements/{site['achievement'].pk}/",
            "achievement-edit": f"/hall/achievements/{site['achievement'].pk}/edit/",
            "expert": f"/hall/experts/{site['expert'].pk}/",
            "institution": f"/hall/institutions/{pk}/",
        }.get(path, path)
        response = client.get(path)
        assert response.status_code == status
        return visible_text(response.content.decode())

    return get


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
@pytest.mark.parametrize(("path", "signed_in", "status", "ui_h1"), PAGES, ids=PAGE_IDS)
def test_chinese_page_has_no_english_interface_text(render, language, path, signed_in, status, ui_h1):
    page = render(path, signed_in, language, status)
    assert page.html_lang == language
    assert english_words(page.text) == []
    assert page.h1 and all(CJK_RE.search(h) for h in page.h1)


@pytest.mark.parametrize(("path", "signed_in", "status", "ui_h1"), PAGES, ids=PAGE_IDS)
def test_russian_page_heading_is_in_russian(render, path, signed_in, status, ui_h1):
    page = render(path, signed_in, "ru", status)
    assert page.html_lang == "ru"
    assert page.h1
    if ui_h1:
        assert all(CYRILLIC_RE.search(h) for h in page.h1), page.h1
    # Whatever the heading, the interface around it is Russian.
    assert CYRILLIC_RE.search(page.text)


@pytest.mark.parametrize(("path", "signed_in", "status", "ui_h1"), PAGES, ids=PAGE_IDS)
def test_english_page_heading_is_in_english(render, path, signed_in, status, ui_h1):
    page = render(path, signed_in, "en", status)
    assert page.html_lang == "en"
    if ui_h1:
        assert page.h1 and not any(CJK_RE.search(h) or CYRILLIC_RE.search(h) for h in page.h1), page.h1


def test_traditional_chinese_page_differs_from_simplified(render):
    hans = render("/", False, "zh-hans", 200)
    hant = render("/", False, "zh-hant", 200)
    assert hans.h1 != hant.h1
