"""Achievements made through the services, as a user would make them."""

from __future__ import annotations

from typing import Any

from duijie.supply import services
from duijie.supply.services import AchievementData, IPAssetData
from duijie.supply.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, TechField
from tests.factories import AdminMembershipFactory, OperatorFactory


def data(**overrides: Any) -> AchievementData:
    values: dict[str, Any] = {
        "title": "焊缝缺陷机器视觉检测系统", "summary": "基于深度学习的焊缝缺陷在线检测。",
        "field_ids": [TechField.objects.get(code="ai").pk], "trl": 6, "keywords": ["机器视觉", "焊接"],
    }
    if "fields" in overrides:
        values["field_ids"] = [TechField.objects.get(code=c).pk for c in overrides.pop("fields")]
    if "modes" in overrides:
        values["cooperation_mode_ids"] = [CooperationMode.objects.get(code=c).pk for c in overrides.pop("modes")]
    values.update(overrides)
    return AchievementData(**values)


def draft(owner: Any = None, **overrides: Any):  # type: ignore[no-untyped-def]
    owner = owner or AdminMembershipFactory()
    return services.achievement_create(actor=owner.user, organisation=owner.organisation, data=data(**overrides))


def published(owner: Any = None, operator: Any = None, **overrides: Any):  # type: ignore[no-untyped-def]
    owner = owner or AdminMembershipFactory()
    achievement = draft(owner, **overrides)
    services.achievement_transition(actor=owner.user, achievement=achievement, name="submit")
    return services.achievement_transition(actor=operator or OperatorFactory(), achievement=achievement,
                                           name="publish", checklist=list(ScreeningCheck.ITEMS))


def granted_patent() -> IPAssetData:
    from datetime import date

    from duijie.supply.ip_numbers import cn_application_check_digit

    body = "202310123456"
    return IPAssetData(ip_type="invention_patent", number=f"CN{body}.{cn_application_check_digit(body)}",
                       status="granted", filing_date=date(2023, 3, 1), grant_date=date(2024, 5, 6))
