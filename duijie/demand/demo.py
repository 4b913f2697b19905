"""Demo demands of the demo enterprises (fictional), in every tier and along the whole chain.

Looked up by (enterprise, external id); created through the services like a person would, and never
changed once there (``duijie demo`` is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from duijie.core.demo import DemoContext
from duijie.demand import services
from duijie.demand.models import Demand
from duijie.demand.services import DemandData, IndicatorData
from duijie.demand.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, Region, TechField


@dataclass(frozen=True)
class Spec:
    key: str
    enterprise: str  # org key of accounts.demo
    title: str
    summary: str
    problem: str
    fields: tuple[str, ...]
    path: tuple[str, ...]  # transitions after collection
    confidentiality: str = "public"
    language: str = "zh-hans"
    modes: tuple[str, ...] = ("co-development",)
    trl: int | None = 6
    budget: tuple[int, int] | None = None
    deadline_days: int | None = 120
    indicators: tuple[tuple[str, str, str], ...] = ()
    regions: tuple[str, ...] = ()
    en: tuple[str, str] | None = None
    by_commissioner: bool = False
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


PUBLISH = ("submit", "publish")
SPECS: tuple[Spec, ...] = (
    Spec("DM-001", "robotics", "厚板多层多道焊路径自动规划", "寻求厚板（40–80 mm）多层多道焊的焊道排布与路径自动规划算法，"
         "可集成到现有焊接机器人控制器。", "现有示教编程每道焊缝需 2–3 小时，焊道排布依赖老师傅经验，层间未熔合缺陷率约 3%。",
         ("intelligent-equipment.industrial-robots", "advanced-manufacturing"), (*PUBLISH, "start_matching"),
         indicators=(("编程时间", "≤ 15", "min/焊缝"), ("层间未熔合率", "≤ 0.5", "%")), budget=(800_000, 1_500_000),
         en=("Automatic path planning for multi-pass welding of thick plate",
             "Seeking bead-sequencing and path-planning algorithms for 40–80 mm plate, to integrate into our "
             "welding-robot controllers."), regions=("CN-320000",)),
    Spec("DM-002", "robotics", "焊缝质量在线检测（激光视觉）", "希望在焊接过程中实时识别气孔、咬边和未焊透，"
         "并与焊接参数闭环。", "离线 X 射线抽检滞后，返修成本高；现有视觉系统对飞溅干扰敏感。",
         ("intelligent-equipment.inspection-assembly", "ai.computer-vision"), PUBLISH, confidentiality="summary", trl=5, budget=(300_000, 600_000),
         indicators=(("缺陷检出率", "≥ 95", "%"), ("误报率", "≤ 2", "%"))),
    Spec("DM-003", "pharma", "多糖类药用辅料质量标准研究", "为一种自主多糖辅料建立符合药典要求的质量标准与检测方法。",
         "分子量分布与取代度测定方法尚未验证，批间差异原因不明。", ("biomedicine",), PUBLISH,
         confidentiality="private", modes=("consulting-service",), trl=4),
    Spec("DM-004", "environment", "高盐废水低能耗蒸发结晶", "寻求吨水能耗低于 25 kWh 的高盐废水蒸发结晶工艺，"
         "含中试验证。", "现有 MVR 系统结垢严重，吨水电耗 40 kWh 以上，杂盐难以资源化。",
         ("environment",), (*PUBLISH, "start_matching", "start_brokering"), budget=(2_000_000, 5_000_000),
         indicators=(("吨水电耗", "≤ 25", "kWh"), ("结晶盐纯度", "≥ 98.5", "%")), modes=("transfer", "co-development")),
    Spec("DM-005", "chips", "Low-power 12-bit 5 GS/s ADC IP", "We look for a licensable 12-bit ADC IP core above "
         "5 GS/s in a 28 nm process for our RF front ends.", "Our in-house design misses the ENOB target by 1.2 bits "
         "at Nyquist.", ("ic-electronics",), PUBLISH, language="en", modes=("licence",), trl=7,
         budget=(1_000_000, 3_000_000), indicators=(("ENOB at Nyquist", ">= 9.5", "bit"), ("Power", "<= 300", "mW"))),
    Spec("DM-006", "pv", "钙钛矿组件湿热老化失效分析", "希望合作开展钙钛矿组件湿热（85 °C/85 %RH）老化失效机理研究"
         "并提出封装改进方案。", "1000 小时湿热测试后效率衰减超过 20%。", ("new-energy",),
         (*PUBLISH, "start_matching", "start_brokering", "register_contract"), confidentiality="summary",
         trl=4, budget=(500_000, 800_000)),
    Spec("DM-007", "uav", "无人机集群抗干扰通信链路", "面向农林植保的 50 架以上无人机集群，需要抗同频干扰的自组网通信方案。",
         "现有链路在 30 架以上时丢包率超过 15%。", ("ic-electronics",), ("submit",), trl=6,
         modes=("co-development", "joint-lab")),
    Spec("DM-008", "environment", "河湖底泥原位修复药剂", "寻求重金属污染底泥原位稳定化药剂，需适用于江南水网。",
         "异位疏浚成本高、二次污染风险大。", ("environment",), ("submit", "reject"), trl=5,
         reason="与平台上已发布的需求重复，请在原需求下补充信息。"),
    Spec("DM-009", "robotics", "焊接烟尘源头控制技术", "走访中企业提出：希望降低 CO₂ 气体保护焊烟尘产生量 30% 以上。",
         "车间烟尘浓度超标，整体排风能耗高。", ("advanced-manufacturing",), (), by_commissioner=True, trl=5),
    Spec("DM-010", "chips", "Self-powered RFID sensing micro-system", "Seeking a team to co-develop an RF energy "
         "harvesting front end for passive tags with on-tag temperature sensing.", "Sensitivity below -20 dBm is "
         "needed; our prototype reaches -14 dBm.", ("ic-electronics",), (*PUBLISH, "withdraw"),
         language="en", trl=4),
    Spec("DM-011", "pharma", "肿瘤免疫药物工艺放大", "寻求抗体偶联药物（ADC）从 50 L 到 500 L 的工艺放大合作团队。",
         "偶联比（DAR）批间波动大，聚集体含量超标。", ("biomedicine",), PUBLISH, confidentiality="summary", trl=6,
         budget=(3_000_000, 6_000_000), deadline_days=10),
)


def _field_ids(codes: tuple[str, ...]) -> list[int]:
    known = dict(TechField.objects.filter(code__in=codes).values_list("code", "pk"))
    fallback = TechField.objects.filter(parent__isnull=True).order_by("sort_order").values_list("pk", flat=True)
    return [known[c] for c in codes if c in known] or [fallback[0]]


def _data(spec: Spec, owner: Any) -> DemandData:
    today = timezone.localdate()
    return DemandData(
        title=spec.title, summary=spec.summary, problem=spec.problem, language=spec.language,
        description="虚构的示例需求。" if spec.language.startswith("zh") else "A fictional demo demand.",
        confidentiality=spec.confidentiality, field_ids=_field_ids(spec.fields),
        cooperation_mode_ids=list(CooperationMode.objects.filter(code__in=spec.modes).values_list("pk", flat=True)),
        region_ids=list(Region.objects.filter(code__in=spec.regions).values_list("pk", flat=True)),
        trl_needed=spec.trl, budget_type="range" if spec.budget else "negotiable",
        budget_min=Decimal(spec.budget[0]) if spec.budget else None,
        budget_max=Decimal(spec.budget[1]) if spec.budget else None,
        deadline=today + timedelta(days=spec.deadline_days) if spec.deadline_days else None,
        contact_name=owner.full_name, contact_email=owner.email, external_id=spec.key,
        indicators=[IndicatorData(*row) for row in spec.indicators],
        translations={"en": spec.en} if spec.en else {},
    )


def load(ctx: DemoContext) -> None:
    """Eleven demands: public, summary-only and private; collected (one recorded by the commissioner
    and waiting for the enterprise), screening, published, matching, brokering, contract registered,
    rejected and withdrawn; one near its deadline."""
    from duijie.supply.demo import _without_mail

    operator = ctx["user.operator"]
    checklist = list(ScreeningCheck.ITEMS)
    with _without_mail():
        for spec in SPECS:
            organisation = ctx[f"org.{spec.enterprise}"]
            owner = organisation.memberships.filter(role="admin").select_related("user").first().user
            found = Demand.objects.filter(organisation=organisation, external_id=spec.key).first()
            if found is not None:
                ctx.record(found, created=False, label=spec.key)
                ctx[f"demand.{spec.key}"] = found
                continue
            author = ctx["user.commissioner"] if spec.by_commissioner else owner
            demand = services.demand_create(actor=author, organisation=organisation, data=_data(spec, owner))
            for name in spec.path:
                actor = owner if name in ("submit", "withdraw") else operator
                if name == "start_matching":
                    services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[ctx["user.broker"].pk])
                demand = services.demand_transition(actor=actor, demand=demand, name=name, checklist=checklist,
                                                    reason=spec.reason or "示例")
            ctx.record(demand, created=True, label=spec.key)
            ctx[f"demand.{spec.key}"] = demand
