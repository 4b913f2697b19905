"""The supply side of ``duijie demo``: experts, published achievements, the 2021 Jiangsu–UK exhibition."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from duijie.accounts.demo import ORGANISATIONS
from duijie.core.errors import DomainError, PermissionDenied
from duijie.supply import demo, selectors, services
from duijie.supply.enums import AchievementStatus, IPStatus, IPType
from duijie.supply.ip_numbers import normalise_ip_number
from duijie.supply.models import (
    Achievement,
    AchievementHistory,
    Exhibition,
    ExhibitionItem,
    Expert,
    IPAsset,
    ResearchDirection,
)
from tests.factories import AdminMembershipFactory, OperatorFactory, UserFactory
from tests.supply.helpers import published

pytestmark = pytest.mark.django_db

EXPERTS_PER_ORGANISATION = {
    "xjtlu": 4, "ujs": 4, "njust": 3, "njtech": 3, "uestc": 4, "nano_institute": 3,
    "liverpool": 2, "swansea": 2, "ru_centre": 2,
}
ACHIEVEMENTS = 300
ZH_ACHIEVEMENTS = 204
EN_ACHIEVEMENTS = 96
EXHIBITION_ITEMS = 12
EXHIBITION_THEMES = {"advanced-manufacturing", "intelligent-equipment", "healthcare", "biomedicine", "environment"}


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def supply_snapshot() -> dict[str, list[Any]]:
    models: tuple[Any, ...] = (
        Expert, ResearchDirection, Achievement, IPAsset, AchievementHistory, Exhibition, ExhibitionItem)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture(scope="module")
def org_keys() -> dict[str, str]:
    return {spec.name: spec.key for spec in ORGANISATIONS}


def test_demo_loads_the_supply_side_once_and_quietly(django_capture_on_commit_callbacks, org_keys):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = run_demo("--quiet")
    # Demo content is not news: no submitted / published notices go out.
    assert mail.outbox == [] and callbacks == []
    # 69 accounts + 27 + 300 + 1 + 12 + 12 demands + 10, + 21 docking (2 brokers, 4 profiles, 9 cases, 6 intents)
    assert "Demo data: 452 created, 0 already there." in first

    # Experts: 3–4 per Chinese institution, 2 per UK university and for the Russian institute.
    per_org = Counter(org_keys[name] for name in Expert.objects.values_list("organisation__name", flat=True))
    assert dict(per_org) == EXPERTS_PER_ORGANISATION
    for expert in Expert.objects.select_related("organisation__country").prefetch_related("directions", "fields"):
        languages = Counter(d.language for d in expert.directions.all())
        country = expert.organisation.country.code
        if country == "CN":
            assert set(languages) == {"zh-hans", "en"} and languages["zh-hans"] == languages["en"] in (2, 3)
        else:
            assert set(languages) == {"en" if country == "GB" else "ru"}
            assert sum(languages.values()) in (2, 3)
        assert expert.title and expert.name_en and expert.bio and expert.fields.exists() and expert.is_public
    assert {(e.available_for_consulting, e.available_part_time) for e in Expert.objects.all()} >= {
        (True, True), (True, False), (False, False)}

    # Achievements: all published through the workflow, and all in the public hall.
    items = Achievement.objects.all()
    assert items.count() == ACHIEVEMENTS
    assert set(items.values_list("status", flat=True)) == {AchievementStatus.PUBLISHED}
    assert Counter(items.values_list("language", flat=True)) == {"zh-hans": ZH_ACHIEVEMENTS, "en": EN_ACHIEVEMENTS}
    hall = set(selectors.hall_base(user=AnonymousUser()).values_list("pk", flat=True))
    assert hall == set(items.values_list("pk", flat=True))
    assert AchievementHistory.objects.filter(to_status=AchievementStatus.SUBMITTED).count() == ACHIEVEMENTS
    assert AchievementHistory.objects.filter(to_status=AchievementStatus.PUBLISHED).count() == ACHIEVEMENTS

    # Chinese records belong to Chinese institutions, English ones to the UK and Russian ones.
    countries = Counter(items.values_list("language", "organisation__country__code"))
    assert set(countries) <= {("zh-hans", "CN"), ("en", "GB"), ("en", "RU")}
    per_owner = Counter(org_keys[name] for name in items.values_list("organisation__name", flat=True))
    assert set(per_owner) == set(EXPERTS_PER_ORGANISATION) and min(per_owner.values()) >= 30

    # Derived values vary, deterministically, within their ranges.
    assert set(items.values_list("trl", flat=True)) == set(range(2, 9))
    assert set(items.values_list("view_count", flat=True)) == {0}
    prices = Counter(items.values_list("price_type", flat=True))
    assert prices == {"negotiable": ACHIEVEMENTS // 2, "range": ACHIEVEMENTS // 2}
    assert set(items.filter(price_type="range").values_list("currency", flat=True)) == {"CNY", "GBP"}
    for item in items.prefetch_related("cooperation_modes", "fields"):
        assert 1 <= item.cooperation_modes.count() <= 3
        assert 1 <= item.fields.count() <= 2
        assert 1 <= len(item.keywords) <= demo.MAX_DEMO_KEYWORDS
        assert len(item.summary) <= demo.SUMMARY_LIMIT
        assert item.external_id.startswith("cx-") and item.contact_email.endswith("@duijie.demo")
        # CC BY 4.0: attribution and licence in every item.
        assert "CC BY 4.0" in item.description and "chinaxiv.org" in item.description

    # IP assets: CN invention patents whose numbers pass the platform's own check.
    assets = IPAsset.objects.select_related("achievement__organisation__country")
    assert 40 <= assets.count() <= 120
    assert {(a.ip_type, a.jurisdiction) for a in assets} == {(IPType.INVENTION_PATENT, "CN")}
    assert set(assets.values_list("status", flat=True)) == {IPStatus.GRANTED, IPStatus.FILED}
    today = timezone.localdate()
    for asset in assets:
        assert normalise_ip_number(asset.jurisdiction, asset.number, asset.ip_type) == asset.number
        assert asset.achievement.organisation.country.code == "CN"
        assert asset.filing_date is not None and asset.filing_date <= today
        if asset.status == IPStatus.GRANTED:
            assert asset.filing_date < asset.grant_date <= today
    assert items.filter(has_granted_patent=True).count() == assets.filter(status=IPStatus.GRANTED).count()

    # The exhibition: twelve published items in its three fields, from universities that took part.
    exhibition = Exhibition.objects.get()
    assert (exhibition.slug, exhibition.title, exhibition.title_en) == (
        "jiangsu-uk-2021", "2021 江苏—英国科技交流周", "2021 Jiangsu–UK Technology Exchange Week")
    assert (exhibition.starts_on, exhibition.ends_on, exhibition.is_published) == (
        date(2021, 11, 1), date(2021, 11, 7), True)
    assert "先进制造" in exhibition.intro and "advanced manufacturing" in exhibition.intro_en
    featured = [item.achievement for item in exhibition.items.select_related("achievement__organisation")]
    assert len(featured) == EXHIBITION_ITEMS
    assert [a.external_id for a in featured] == list(demo.EXHIBITION_IDS)
    for achievement in featured:
        assert achievement.status == AchievementStatus.PUBLISHED
        tops = {f.code.split(".")[0] for f in achievement.fields.all()}
        assert tops & EXHIBITION_THEMES, achievement.title
        assert org_keys[achievement.organisation.name] in {"xjtlu", "ujs", "njust", "njtech", "liverpool", "swansea"}
    assert {a.language for a in featured} == {"zh-hans", "en"}

    # The second run finds everything and changes nothing.
    before = supply_snapshot()
    second = run_demo("--quiet")
    assert "Demo data: 0 created, 452 already there." in second
    assert supply_snapshot() == before


def test_record_field_mapping_and_summaries():
    record = {"title": "基于深度学习的焊缝缺陷检测", "keywords": ["焊接", "深度学习"], "field": "CLC:TG409"}
    assert demo.field_codes_for(record, "x") == ["advanced-manufacturing.forming-joining", "ai.machine-learning"]
    assert demo.field_codes_for({"title": "论文", "keywords": [], "field": ""}, "new-energy.solar") == [
        "new-energy.solar"]
    # Short Latin needles match whole words only: "effect" is not CT.
    assert "biomedicine.medical-imaging" not in demo.field_scores(
        {"title": "The effect of CTA", "keywords": [], "field": ""})

    sentence = "第一句很长很长。" * 100
    summary = demo.summary_from(sentence)
    assert summary.endswith("。") and len(summary) <= demo.SUMMARY_LIMIT
    assert demo.summary_from("One. Two.") == "One. Two."
    assert demo.summary_from("word " * 200).endswith("…")
    assert demo.clean_text("cells.The steps,first （A）", "en") == "cells. The steps, first (A)"


def test_expert_create_checks_membership_and_fields(in_english):
    membership = AdminMembershipFactory()
    kwargs = {
        "organisation": membership.organisation, "name": "李明", "name_en": "Li Ming", "title": "教授",
        "field_codes": ["ai.computer-vision"], "directions": [("zh-hans", "机器视觉"), ("en", "Machine vision")],
        "bio": "", "available_for_consulting": True, "available_part_time": False,
    }
    expert = services.expert_create(actor=membership.user, **kwargs)
    assert [(d.language, d.text, d.sort_order) for d in expert.directions.all()] == [
        ("zh-hans", "机器视觉", 0), ("en", "Machine vision", 1)]
    assert list(expert.fields.values_list("code", flat=True)) == ["ai.computer-vision"]
    assert services.expert_create(actor=OperatorFactory(), **kwargs).organisation == membership.organisation

    with pytest.raises(PermissionDenied):
        services.expert_create(actor=UserFactory(), **kwargs)
    with pytest.raises(DomainError) as error:
        services.expert_create(actor=membership.user, **{**kwargs, "name": "  ", "field_codes": ["no-such-field"],
                                                         "directions": [("xx", "?")]})
    assert set(error.value.fields) == {"name", "fields", "directions"}


def test_exhibition_create_is_for_operators_and_published_items():
    operator = OperatorFactory()
    items = [published(operator=operator).pk, published(operator=operator).pk]
    kwargs = {
        "slug": "test-week", "title": "测试周", "title_en": "Test week", "intro": "", "intro_en": "",
        "starts_on": date(2024, 5, 1), "ends_on": date(2024, 5, 3), "achievement_ids": items,
        "is_published": False,
    }
    with pytest.raises(PermissionDenied):
        services.exhibition_create(actor=UserFactory(), **kwargs)
    exhibition = services.exhibition_create(actor=operator, **kwargs)
    assert list(exhibition.items.values_list("achievement_id", flat=True)) == items
    Achievement.objects.filter(pk=items[0]).update(status=AchievementStatus.DRAFT)
    with pytest.raises(DomainError) as error:
        services.exhibition_create(actor=operator, **{**kwargs, "ends_on": date(2024, 4, 1)})
    assert set(error.value.fields) == {"slug", "ends_on", "achievement_ids"}
