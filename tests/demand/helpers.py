"""Demands made through the services, as the people in DESIGN.md make them."""

from __future__ import annotations

from typing import Any

from duijie.demand import services
from duijie.demand.services import DemandData, IndicatorData
from duijie.demand.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, TechField
from tests.factories import AdminMembershipFactory, OperatorFactory

SECRET = "钛合金熔覆工艺参数"  # a phrase only in the details of the demands below


def data(**overrides: Any) -> DemandData:
    values: dict[str, Any] = {
        "title": "动力电池极片激光切割设备", "summary": "寻求高速、低毛刺的极片切割方案。",
        "problem": f"现有模切毛刺大，{SECRET}待优化。", "description": "年产能 20GWh 产线改造。",
        "field_ids": [TechField.objects.get(code="new-energy").pk], "trl_needed": 7,
        "indicators": [IndicatorData("切割速度", "≥ 60", "m/min")],
        "contact_name": "王工", "contact_email": "wang@enterprise.example", "contact_phone": "13800000000",
    }
    if "fields" in overrides:
        values["field_ids"] = [TechField.objects.get(code=c).pk for c in overrides.pop("fields")]
    if "modes" in overrides:
        values["cooperation_mode_ids"] = [CooperationMode.objects.get(code=c).pk for c in overrides.pop("modes")]
    values.update(overrides)
    return DemandData(**values)


def collected(owner: Any = None, **overrides: Any):  # type: ignore[no-untyped-def]
    owner = owner or AdminMembershipFactory()
    return services.demand_create(actor=owner.user, organisation=owner.organisation, data=data(**overrides))


def in_screening(owner: Any = None, **overrides: Any):  # type: ignore[no-untyped-def]
    owner = owner or AdminMembershipFactory()
    demand = collected(owner, **overrides)
    return services.demand_transition(actor=owner.user, demand=demand, name="submit")


def published(owner: Any = None, operator: Any = None, **overrides: Any):  # type: ignore[no-untyped-def]
    demand = in_screening(owner, **overrides)
    return services.demand_transition(actor=operator or OperatorFactory(), demand=demand, name="publish",
                                      checklist=list(ScreeningCheck.ITEMS))
