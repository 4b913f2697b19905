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
    # A Chinese demand whose best match in the demo hall is an English achievement (cross-lingual matching).
    Spec("DM-012", "pv", "电网规模储能技术应用评估", "评估电网规模储能在电力系统调峰中的应用需求与技术路线。",
         "储能配置容量与收益测算缺乏依据。", ("new-energy.energy-storage",), PUBLISH, modes=("consulting-service",),
         trl=7),
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
    """Twelve demands: public, summary-only and private; collected (one recorded by the commissioner
    and waiting for the enterprise), screening, published, matching, brokering, contract registered,
    rejected and withdrawn; one near its deadline. Then ten open challenges, one in each stage."""
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
        load_challenges(ctx)


# --- One open challenge (揭榜挂帅) in each stage ----------------------------------------------------

CHALLENGES: tuple[tuple[str, str, str, str, str, int], ...] = (
    # (key, enterprise, stage, title, summary, bounty in CNY)
    ("CH-01", "environment", "collection", "高盐废水零排放分盐结晶", "征集高盐废水分盐结晶、杂盐资源化的整体技术方案。", 3_000_000),
    ("CH-02", "pv", "review", "钙钛矿叠层电池大面积制备", "寻求 1 平方米级钙钛矿/晶硅叠层电池的均匀成膜工艺。", 5_000_000),
    ("CH-03", "chips", "site_visit", "车规级 SiC 功率模块封装", "面向 800 V 平台的 SiC 模块低寄生电感封装方案。", 4_000_000),
    ("CH-04", "robotics", "announced", "船舶分段焊接机器人离线编程", "大型船舶分段的焊接机器人离线编程与焊缝自动识别。", 2_000_000),
    ("CH-05", "uav", "matchmaking", "植保无人机精准变量喷施", "基于多光谱处方图的变量喷施控制，减少农药用量 20% 以上。", 1_500_000),
    ("CH-06", "pharma", "talks", "多糖辅料连续化生产工艺", "多糖药用辅料从批次生产转为连续化生产的工艺与装备。", 2_500_000),
    ("CH-07", "environment", "submission", "河湖底泥重金属原位钝化", "适用于江南水网的底泥重金属原位钝化药剂及施工工艺。", 2_000_000),
    ("CH-08", "chips", "evaluation", "超高速 ADC 校准算法", "12 位 5 GS/s ADC 的时间交织失配后台校准算法。", 3_500_000),
    ("CH-09", "pv", "publicity", "光伏组件智能清洗机器人", "适用于山地电站的免轨道光伏组件清洗机器人。", 1_200_000),
    ("CH-10", "robotics", "awarded", "厚板焊缝相控阵超声在线检测", "厚板多层多道焊的相控阵超声在线检测与缺陷识别。", 2_800_000),
)
APPLICANTS = ("xjtlu", "ujs", "njust")
CRITERIA = [("技术先进性", 40), ("方案可行性", 30), ("团队实力", 20), ("经费合理性", 10)]


def _challenge_times(stage: str, now: Any) -> tuple[Any, Any, Any]:
    """(opens, closes, the time at which the list goes to publicity) for a challenge now in ``stage``."""
    later = ("evaluation", "publicity", "awarded")
    if stage == "awarded":
        return now - timedelta(days=60), now - timedelta(days=30), now - timedelta(days=10)
    if stage in later:
        return now - timedelta(days=45), now - timedelta(days=5), now
    return now - timedelta(days=3), now + timedelta(days=40), now


def load_challenges(ctx: DemoContext) -> None:
    """Ten challenges, one in each stage, with applications from demo universities, a review panel
    (one reviewer declares a conflict of interest), scores, an objection and a winner."""
    from duijie.demand.models import Challenge
    from duijie.demand.services import ApplicationData, ChallengeData

    operator = ctx["user.operator"]
    checklist = list(ScreeningCheck.ITEMS)
    order = [value for value, _label in Challenge._meta.get_field("stage").choices]
    now = timezone.now()
    fields = ("environment", "new-energy", "ic-electronics", "intelligent-equipment")
    for index, (key, enterprise, stage, title, summary, bounty) in enumerate(CHALLENGES):
        organisation = ctx[f"org.{enterprise}"]
        found = Challenge.objects.filter(demand__organisation=organisation, demand__external_id=key).first()
        if found is not None:
            ctx.record(found, created=False, label=key)
            continue
        owner = organisation.memberships.filter(role="admin").select_related("user").first().user
        demand = services.demand_create(actor=owner, organisation=organisation, data=DemandData(
            title=title, summary=summary, problem="虚构的示例榜单：" + summary, external_id=key,
            field_ids=_field_ids((fields[index % len(fields)],)),
            contact_name=owner.full_name, contact_email=owner.email, trl_needed=5))
        demand = services.demand_transition(actor=owner, demand=demand, name="submit")
        demand = services.demand_transition(actor=operator, demand=demand, name="publish", checklist=checklist)
        opens, closes, publicity_at = _challenge_times(stage, now)
        challenge = services.challenge_create(actor=owner, demand=demand, data=ChallengeData(
            bounty=Decimal(bounty), bounty_payer=organisation.name, subsidy=Decimal(bounty // 5),
            subsidy_source="市科技局（示例）", opens_at=opens, closes_at=closes, criteria=CRITERIA,
            eligible_kinds=["university", "research_institute"], required_documents=["技术方案", "团队简介", "经费预算"],
            announcement=f"{organisation.name}现就“{title}”公开张榜，诚邀高校院所揭榜。（虚构的示例）"))
        target = order.index(stage)
        applications = []
        while order.index(challenge.stage) < target:
            next_stage = order[order.index(challenge.stage) + 1]
            if next_stage == "evaluation":
                for n, org_key in enumerate(APPLICANTS):
                    team = ctx[f"org.{org_key}"]
                    member = team.memberships.filter(role="admin").select_related("user").first().user
                    applications.append(services.application_submit(
                        actor=member, challenge=challenge, organisation=team, now=opens + timedelta(days=2 + n),
                        data=ApplicationData(proposal=f"{team.name}的揭榜方案（示例）", technical_route="分三个阶段实施。",
                                             budget=Decimal(bounty * (8 + n) // 10), timeline="18 个月",
                                             team="教授 1 名、副教授 2 名、博士研究生 4 名")))
                for user_key in ("broker", "researcher"):
                    services.reviewer_assign(actor=operator, challenge=challenge, user=ctx[f"user.{user_key}"])
            if next_stage == "publicity":
                for user_key in ("broker", "researcher"):
                    for n, application in enumerate(applications):
                        conflicted = user_key == "researcher" and application.organisation == ctx["org.xjtlu"]
                        services.conflict_declare(actor=ctx[f"user.{user_key}"], application=application,
                                                  conflicted=conflicted, note="本人所在单位" if conflicted else "")
                        if not conflicted:
                            services.scores_submit(actor=ctx[f"user.{user_key}"], application=application, values={
                                c.pk: (Decimal(88 - 6 * n + (3 if user_key == "broker" else 0)), "")
                                for c in challenge.criteria.all()})
            moment = publicity_at if next_stage == "publicity" else now
            challenge = services.challenge_advance(
                actor=operator, challenge=challenge, now=moment,
                note="经公示无异议，确定揭榜单位。（示例）" if next_stage == "awarded" else "")
            if next_stage == "publicity" and stage == "publicity":
                services.objection_raise(actor=ctx["user.investor"], challenge=challenge,
                                         text="请公开各评审专家的打分明细。（示例）", now=now)
        if stage in ("talks", "submission"):  # the window is open: a first team has applied
            team = ctx["org.njust"]
            member = team.memberships.filter(role="admin").select_related("user").first().user
            services.application_submit(actor=member, challenge=challenge, organisation=team, data=ApplicationData(
                proposal=f"{team.name}的揭榜方案（示例）", technical_route="分两个阶段实施。",
                budget=Decimal(bounty * 9 // 10), timeline="12 个月", team="教授 1 名、博士研究生 3 名"))
        ctx.record(challenge, created=True, label=key)
