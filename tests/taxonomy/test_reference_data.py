import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from duijie.core.enums import AuditAction
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.models import AuditEvent
from duijie.taxonomy import selectors
from duijie.taxonomy.loaders import load_reference_data
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField, TechnologyReadinessLevel
from duijie.taxonomy.services import reference_save
from tests.factories import AdminMembershipFactory, UserFactory
from tests.helpers import english, field_values, fresh_values, get_counting_queries

LANGUAGE_SUFFIXES = ("zh_hans", "zh_hant", "en", "ru")
JIANGSU_CITIES = [
    ("320100", "南京市"), ("320200", "无锡市"), ("320300", "徐州市"), ("320400", "常州市"), ("320500", "苏州市"),
    ("320600", "南通市"), ("320700", "连云港市"), ("320800", "淮安市"), ("320900", "盐城市"), ("321000", "扬州市"),
    ("321100", "镇江市"), ("321200", "泰州市"), ("321300", "宿迁市"),
]
MODELS = [TechField, Industry, TechnologyReadinessLevel, CooperationMode, Region]


def all_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


# --- what the migrations loaded -------------------------------------------------------------------------


def test_fields_eleven_top_level_each_with_sub_fields(db):
    top = TechField.objects.filter(parent__isnull=True)
    assert top.count() == 11
    assert {field.code: field.children.count() > 0 for field in top} == {field.code: True for field in top}
    assert top.first().code == "advanced-manufacturing"


def test_fields_sub_fields_are_one_level_below_a_top_field(db):
    for child in TechField.objects.filter(parent__isnull=False).select_related("parent"):
        assert child.parent.parent_id is None


def test_trl_levels_one_to_nine_with_stages(db):
    assert list(TechnologyReadinessLevel.objects.order_by("level").values_list("level", "stage")) == [
        (1, "early"), (2, "early"), (3, "early"),
        (4, "middle"), (5, "middle"), (6, "middle"),
        (7, "mature"), (8, "mature"), (9, "mature"),
    ]


def test_trl_descriptions_in_four_languages(db):
    for trl in TechnologyReadinessLevel.objects.all():
        assert all(getattr(trl, f"description_{suffix}").strip() for suffix in LANGUAGE_SUFFIXES), trl.level


def test_cooperation_modes_are_the_six(db):
    assert list(CooperationMode.objects.values_list("code", flat=True)) == [
        "transfer", "licence", "co-development", "consulting-service", "joint-lab", "equity"
    ]


@pytest.mark.parametrize(("country", "kinds", "children"), [
    ("CN", {"province"}, 34), ("GB", {"nation"}, 4), ("RU", {"federal_subject"}, 21),
])
def test_regions_countries_with_sub_regions(db, country, kinds, children):
    region = Region.objects.get(code=country)
    assert (region.kind, region.parent_id, region.iso_code) == ("country", None, country)
    assert set(region.children.values_list("kind", flat=True)) == kinds
    assert region.children.count() == children


def test_regions_have_every_iso_country(db):
    assert Region.objects.filter(kind="country").count() == 249


def test_regions_jiangsu_has_thirteen_cities_with_gbt2260_codes(db):
    jiangsu = Region.objects.get(code="CN-320000")
    assert (jiangsu.name_zh_hans, jiangsu.gbt2260_code, jiangsu.iso_code, jiangsu.parent.code) == (
        "江苏省", "320000", "CN-JS", "CN"
    )
    cities = jiangsu.children.order_by("gbt2260_code")
    assert [(c.gbt2260_code, c.name_zh_hans) for c in cities] == JIANGSU_CITIES
    assert [c.code for c in cities] == [f"CN-{code}" for code, _ in JIANGSU_CITIES]
    assert set(cities.values_list("kind", flat=True)) == {"city"}


def test_regions_chinese_codes_follow_gbt2260(db):
    for region in Region.objects.filter(code__startswith="CN-"):
        assert region.code == f"CN-{region.gbt2260_code}"
        assert len(region.gbt2260_code) == 6 and region.gbt2260_code.isdigit()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_label_non_empty_in_four_languages(db, model):
    rows = list(model.objects.values_list(*(f"name_{suffix}" for suffix in LANGUAGE_SUFFIXES)))
    assert rows
    missing = [row for row in rows if not all(value.strip() for value in row)]
    assert missing == []


def test_load_reference_data_is_idempotent(db):
    before = all_counts()
    snapshot = {r.code: field_values(r) for r in Region.objects.filter(code__startswith="CN-32")}
    counts = load_reference_data()
    assert all_counts() == before
    assert counts == {
        "fields": before["TechField"], "industries": before["Industry"], "regions": before["Region"],
        "trl": 9, "cooperation_modes": 6,
    }
    assert {r.code: field_values(r) for r in Region.objects.filter(code__startswith="CN-32")} == snapshot


def test_load_reference_data_restores_edited_label_and_keeps_operator_rows(db):
    TechField.objects.filter(code="ai").update(name_en="Edited")
    extra = TechField.objects.create(code="quantum", name_zh_hans="量子", name_en="Quantum")
    load_reference_data()
    assert TechField.objects.get(code="ai").name_en == "Artificial intelligence"
    assert TechField.objects.filter(pk=extra.pk).exists() is True


# --- labels follow the language ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", "江苏省"), ("zh-hant", "江蘇省"), ("en", "Jiangsu"), ("ru", "Цзянсу"),
])
def test_label_follows_active_language(db, language, expected):
    jiangsu = Region.objects.get(code="CN-320000")
    with translation.override(language):
        assert jiangsu.label == expected
        assert str(jiangsu) == expected


def test_label_falls_back_when_language_missing(db):
    field = TechField(code="x", name_zh_hans="仅中文", name_en="English only", name_ru="", name_zh_hant="")
    with translation.override("ru"):
        assert field.label == "English only"
    with translation.override("zh-hant"):
        assert field.label == "仅中文"


def test_trl_description_follows_active_language(db):
    trl = TechnologyReadinessLevel.objects.get(level=1)
    with translation.override("en"):
        assert trl.description == trl.description_en
    with translation.override("zh-hans"):
        assert trl.description == trl.description_zh_hans
        assert str(trl) == f"TRL 1 · {trl.name_zh_hans}"


# --- reference_save ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "user", "org_admin"])
def test_reference_save_rejects_non_operators(db, who):
    actor = {"anonymous": AnonymousUser, "user": UserFactory, "org_admin": lambda: AdminMembershipFactory().user}[who]()
    field = TechField.objects.get(code="ai")
    before = field_values(field)
    field.name_en = "Changed"
    with pytest.raises(PermissionDenied) as info:
        reference_save(actor=actor, obj=field, changed=["name_en"])
    assert english(info.value.message) == "Only operators edit reference data."
    assert fresh_values(field) == before
    assert AuditEvent.objects.count() == 0


def test_reference_save_by_operator_saves_and_audits(operator):
    field = TechField.objects.get(code="ai")
    field.name_en = "AI"
    reference_save(actor=operator, obj=field, changed=["name_en"])
    field.refresh_from_db()
    assert field.name_en == "AI"
    assert list(AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGED).values_list(
        "actor_id", "target_type", "target_id", "detail"
    )) == [(operator.pk, "taxonomy.TechField", str(field.pk), {"fields": ["name_en"]})]


def test_reference_save_new_row_is_audited_as_added(operator):
    mode = CooperationMode(code="talent", name_zh_hans="人才引进", name_en="Talent exchange")
    reference_save(actor=operator, obj=mode)
    assert CooperationMode.objects.filter(code="talent").exists() is True
    assert list(AuditEvent.objects.values_list("action", "target_id")) == [("admin_added", str(mode.pk))]


def test_reference_save_invalid_code_is_refused(operator):
    field = TechField(code="Not Valid!", name_zh_hans="无效", name_en="Invalid")
    with pytest.raises(DomainError) as info:
        reference_save(actor=operator, obj=field)
    assert info.value.code == "validation_error"
    assert TechField.objects.filter(name_en="Invalid").exists() is False
    assert AuditEvent.objects.count() == 0


# --- selectors, API and page ---------------------------------------------------------------------------------


def test_retired_rows_hidden_from_public_shown_to_operators(operator):
    TechField.objects.filter(code="ai").update(is_active=False)
    assert "ai" not in set(selectors.fields_visible_to(AnonymousUser()).values_list("code", flat=True))
    assert "ai" in set(selectors.fields_visible_to(operator).values_list("code", flat=True))


def test_api_regions_of_cn_lists_provinces_and_cities(db, client_for):
    response = client_for(None).get("/api/taxonomy/regions", {"country": "cn"}, headers={"accept-language": "en"})
    assert response.status_code == 200
    rows = response.json()
    provinces = [row["code"] for row in rows if row["kind"] == "province"]
    assert len(provinces) == 34
    assert provinces[:3] == ["CN-110000", "CN-120000", "CN-130000"]
    jiangsu = next(row for row in rows if row["code"] == "CN-320000")
    assert jiangsu == {
        "code": "CN-320000", "name": "Jiangsu", "name_zh_hans": "江苏省", "name_zh_hant": "江蘇省",
        "name_en": "Jiangsu", "name_ru": "Цзянсу", "parent": "CN", "kind": "province", "iso_code": "CN-JS",
        "gbt2260_code": "320000",
    }
    assert [row["code"] for row in rows if row["parent"] == "CN-320000"] == [f"CN-{c}" for c, _ in JIANGSU_CITIES]
    assert all(row["code"].startswith("CN-") for row in rows)


def test_api_regions_without_country_lists_countries(db, client_for):
    rows = client_for(None).get("/api/taxonomy/regions").json()
    assert len(rows) == 249
    assert {row["kind"] for row in rows} == {"country"}


def test_api_trl_lists_nine_levels(db, client_for):
    rows = client_for(None).get("/api/taxonomy/trl", headers={"accept-language": "en"}).json()
    assert [(row["level"], row["stage"]) for row in rows][::4] == [(1, "early"), (5, "middle"), (9, "mature")]
    assert rows[0]["name"] == TechnologyReadinessLevel.objects.get(level=1).name_en


def test_api_cooperation_modes_in_requested_language(db, client_for):
    rows = client_for(None).get("/api/taxonomy/cooperation-modes", headers={"accept-language": "ru"}).json()
    assert rows[0] == {
        "code": "transfer", "name": "Передача (уступка) технологии", "name_zh_hans": "技术转让",
        "name_zh_hant": "技術轉讓", "name_en": "Technology transfer", "name_ru": "Передача (уступка) технологии",
    }


def test_api_fields_lists_parents(db, client_for):
    rows = client_for(None).get("/api/taxonomy/fields").json()
    assert len(rows) == TechField.objects.count()
    assert len([row for row in rows if row["parent"] is None]) == 11


def test_field_list_page_renders(db, client_for):
    response = client_for(None, language="en").get("/reference/fields/")
    assert response.status_code == 200
    assert (len(response.context["fields"]), len(response.context["trl_levels"]),
            len(response.context["cooperation_modes"])) == (11, 9, 6)
    html = response.content.decode()
    assert "Artificial intelligence" in html
    assert "TRL 9" in html
    assert "Technology transfer" in html


def test_field_list_page_query_count_is_fixed(db, client_for):
    client = client_for(None)
    before, _ = get_counting_queries(client, "/reference/fields/")
    TechField.objects.create(code="quantum", name_zh_hans="量子", name_en="Quantum")
    TechField.objects.create(code="quantum.sensing", name_zh_hans="量子传感", name_en="Quantum sensing",
                             parent=TechField.objects.get(code="quantum"))
    after, response = get_counting_queries(client, "/reference/fields/")
    assert len(response.context["fields"]) == 12
    assert after == before


def test_operator_edits_a_field_label_in_the_back_office(db, client_for):
    from duijie.core.models import AuditEvent
    from tests.factories import OperatorFactory

    operator = OperatorFactory()
    field = TechField.objects.get(code="ai")
    url = f"/backoffice/taxonomy/techfield/{field.pk}/change/"
    client = client_for(operator)
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "code": field.code, "name_zh_hans": "人工智能（新）", "name_zh_hant": field.name_zh_hant,
        "name_en": field.name_en, "name_ru": field.name_ru, "parent": "", "sort_order": field.sort_order,
        "is_active": "on", "_save": "Save",
    })
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.name_zh_hans == "人工智能（新）"
    event = AuditEvent.objects.get(target_type="taxonomy.TechField", target_id=str(field.pk))
    assert (event.action, event.actor, event.detail) == ("admin_changed", operator, {"fields": ["name_zh_hans"]})


def test_non_operator_staff_cannot_edit_reference_data(db, client_for):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    field = TechField.objects.get(code="ai")
    response = client_for(staff).get(f"/backoffice/taxonomy/techfield/{field.pk}/change/")
    assert response.status_code == 403
