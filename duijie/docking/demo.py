"""Demo brokers (one of each level) and docking cases in every stage the platform can reach, made
through the services like people would: enterprises ask about achievements and experts, a university
asks about a demand, an enterprise met a roadshow team at an event; teams accept or decline; the
operator assigns brokers; brokers hold meetings and record intents. Six enterprises extend an olive
branch to the roadshow teams of one event (cooperation intents recorded at the event).

No case is "contracted": a case reaches that stage only when its technology contract is registered,
which the contracts module adds. Looked up by their request message; never changed once there.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from duijie.accounts.enums import PlatformRole
from duijie.accounts.models import User
from duijie.core.demo import DEMO_EMAIL_DOMAIN, DemoContext
from duijie.docking import services
from duijie.docking.enums import BrokerLevel
from duijie.docking.models import BrokerProfile, CooperationIntent, DockingRequest
from duijie.supply.enums import PUBLIC_STATUSES
from duijie.supply.models import Achievement, Expert
from duijie.taxonomy.models import CooperationMode, Region, TechField

# (user key, e-mail local part, name, level, fields, regions, organisation key, certificate, trainings)
BROKERS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("commissioner", "", "", BrokerLevel.COMMISSIONER, ("intelligent-equipment", "environment"), ("CN-320500",), "park"),
    ("broker_junior", "broker-junior", "刘思远", BrokerLevel.JUNIOR, ("ic-electronics", "ai"), ("CN-320500",),
     "agency"),
    ("broker_mid", "broker-mid", "王静怡", BrokerLevel.INTERMEDIATE, ("new-energy", "environment"),
     ("CN-320000",), "agency"),
    ("broker", "", "", BrokerLevel.SENIOR, ("intelligent-equipment", "advanced-manufacturing", "biomedicine"),
     ("CN-320000", "GB"), "agency"),
)
CERTIFICATES = {
    BrokerLevel.COMMISSIONER: ("江苏省科技专员培训结业证书（示例）", "江苏省科技厅（示例）"),
    BrokerLevel.JUNIOR: ("初级技术经纪人证书（示例）", "国家技术转移苏南中心（示例）"),
    BrokerLevel.INTERMEDIATE: ("中级技术经纪人证书（示例）", "国家技术转移苏南中心（示例）"),
    BrokerLevel.SENIOR: ("高级技术经纪人证书（示例）", "中国科学技术交流中心（示例）"),
}
TRAININGS = (("技术转移通识", "common", "16"), ("科技成果转化政策与技术合同法", "policy_law", "24"),
             ("技术经纪实务：需求挖掘与对接", "practice", "32"), ("科技成果评价与投融资", "improvement", "16"))

# (requester user key, what: "achievement" | "expert" | "demand", stage reached, message, broker key)
CASES: tuple[tuple[str, str, str, str, str], ...] = (
    ("enterprise_admin", "achievement", "requested", "我司船舶分段焊接产线希望了解该成果能否用于厚板焊缝检测。", "broker"),
    ("pharma", "achievement", "accepted", "我们在做多糖辅料的连续化生产，想与团队交流工艺放大。", "broker_mid"),
    ("environment", "achievement", "meeting", "公司承接太湖流域底泥治理项目，希望引进相关修复技术。", "broker_mid"),
    ("chips", "expert", "negotiating", "希望聘请专家担任车规级功率模块封装的技术顾问。", "broker_junior"),
    ("pv", "achievement", "intent_signed", "光伏组件清洗机器人需要更可靠的视觉定位，想洽谈技术许可。", "broker"),
    ("uav", "achievement", "declined", "植保无人机公司希望合作开发多光谱处方图算法。", ""),
    ("enterprise_admin", "achievement", "stalled", "想了解焊接烟尘净化技术的中试情况和授权方式。", "commissioner"),
    ("researcher", "demand", "accepted", "我们团队的激光视觉焊缝跟踪成果可以回应贵司的路径规划需求。", "broker"),
)
EVENT = "2026 中英技术转移云路演（示例）"
EVENT_INTENTS = ("苏州智造精工机器人有限公司", "康源生物医药（苏州）有限公司", "绿源环境科技（苏州）有限公司",
                 "芯联半导体（苏州）有限公司", "光储新能源科技（苏州）有限公司", "远航无人机科技（苏州）有限公司")


def _broker_user(ctx: DemoContext, key: str, local: str, name: str) -> User:
    if f"user.{key}" in ctx:
        return ctx[f"user.{key}"]
    from duijie.accounts.services import user_set_platform_role

    def create() -> User:
        user = User(email=f"{local}@{DEMO_EMAIL_DOMAIN}", full_name=name, job_title="技术经纪人",
                    preferred_language="zh-hans", email_verified_at=timezone.now())
        user.password = ctx.password_hash()
        user.save()
        user_set_platform_role(actor=ctx["user.operator"], user=user, role=PlatformRole.BROKER)
        return user

    user, created = ctx.get_or_create(User, lookup={"email__iexact": f"{local}@{DEMO_EMAIL_DOMAIN}"}, create=create,
                                      name=f"user.{key}")
    if created:
        ctx.add_account(f"technology broker ({key.split('_')[-1]})", user, ctx["org.agency"])
    return user


def _load_brokers(ctx: DemoContext) -> None:
    for key, local, name, level, fields, regions, org in BROKERS:
        user = _broker_user(ctx, key, local, name)

        def create(user: User = user, level: str = level, fields: tuple[str, ...] = fields,
                   regions: tuple[str, ...] = regions, org: str = org) -> BrokerProfile:
            profile = services.broker_profile_save(
                actor=ctx["user.operator"], user=user, level=level,
                fields=list(TechField.objects.filter(code__in=fields)),
                regions=list(Region.objects.filter(code__in=regions)), organisation=ctx[f"org.{org}"],
                bio=f"{user.full_name}，{BrokerLevel(level).label}，长期服务长三角企业与高校院所的技术对接。（示例）")
            name_, issuer = CERTIFICATES[BrokerLevel(level)]
            services.certificate_add(actor=ctx["user.operator"], profile=profile, name=name_, issuer=issuer,
                                     issued_on=date(2025, 6, 1), expires_on=date(2029, 5, 31))
            for n, (course, module, hours) in enumerate(TRAININGS[: 2 + BrokerLevel.values.index(level)]):
                services.training_add(actor=ctx["user.operator"], profile=profile, course=course, module=module,
                                      hours=Decimal(hours), completed_on=date(2025, 3 + n, 10))
            return profile

        ctx.get_or_create(BrokerProfile, lookup={"user": user}, create=create, name=f"broker.{key}",
                          label=f"{user.full_name} ({level})")


def _targets() -> dict[str, list[Any]]:
    from duijie.demand.enums import BOARD_STATUSES, Confidentiality
    from duijie.demand.models import Demand

    return {
        "achievement": list(Achievement.objects.filter(status__in=PUBLIC_STATUSES, language="zh-hans")
                            .order_by("pk")[:40]),
        "expert": list(Expert.objects.filter(is_public=True).order_by("pk")[:10]),
        "demand": list(Demand.objects.filter(status__in=BOARD_STATUSES, confidentiality=Confidentiality.PUBLIC)
                       .order_by("pk")[:10]),
    }


def _walk(ctx: DemoContext, case: DockingRequest, stage: str, broker: User | None) -> DockingRequest:
    operator = ctx["user.operator"]
    answerer = services.target_side_people(case)[0]
    if stage == "requested":
        # Two weeks without an answer: the board shows it overdue.
        DockingRequest.objects.filter(pk=case.pk).update(stage_entered_at=timezone.now() - timedelta(days=14))
        return case
    if stage == "declined":
        return services.case_transition(actor=answerer, case=case, name="decline", decline_reason="no_capacity",
                                        reason="团队今年的中试排期已满。（示例）")
    case = services.case_transition(actor=answerer, case=case, name="accept")
    if broker is not None:
        case = services.case_assign_broker(actor=operator, case=case, broker=broker, reason="领域与地区匹配（示例）")
    runner = broker or operator
    if stage in ("accepted",):
        return case
    if stage == "stalled":
        services.case_add_entry(actor=runner, case=case, kind="call", body="企业联系人出差，约定下月再谈。（示例）")
        return services.case_transition(actor=operator, case=case, name="stall", reason="企业三个月内无法推进。（示例）")
    services.case_add_entry(actor=runner, case=case, kind="meeting", body="首次技术交流（示例）",
                            starts_at=timezone.now() + timedelta(days=3), location="苏州工业园区 技术转移中心 3 楼会议室",
                            attendees="双方技术负责人、经纪人")
    case = services.case_transition(actor=runner, case=case, name="meet")
    if stage == "meeting":
        return case
    services.case_add_entry(actor=case.requester, case=case, kind="message", body="会后我们整理了需求清单，请查收。（示例）")
    case = services.case_transition(actor=runner, case=case, name="negotiate")
    if stage == "negotiating":
        return case
    services.intent_record(actor=runner, case=case, scope="技术许可并联合开发视觉定位模块（示例）",
                           cooperation_mode=CooperationMode.objects.filter(code="licence").first(),
                           estimated_amount=Decimal("600000"), signed_on=timezone.localdate() - timedelta(days=2))
    return services.case_transition(actor=runner, case=case, name="sign_intent")


def _load_cases(ctx: DemoContext) -> None:
    targets = _targets()
    used: dict[str, int] = {"achievement": 0, "expert": 0, "demand": 0}
    for requester_key, kind, stage, message, broker_key in CASES:
        requester = ctx[f"user.{requester_key}"]
        pool = targets[kind]
        # The first target that is not the requester's own side.
        member_orgs = set(requester.memberships.values_list("organisation_id", flat=True))
        candidates = [t for t in pool[used[kind]:] if t.organisation_id not in member_orgs]
        if not candidates:
            continue
        target = candidates[0]
        used[kind] = pool.index(target) + 1

        def create(requester: User = requester, kind: str = kind, target: Any = target, message: str = message,
                   stage: str = stage, broker_key: str = broker_key) -> DockingRequest:
            with transaction.atomic():
                case = services.docking_request_create(requester=requester, message=message, **{kind: target},
                                                       origin="recommendation" if kind == "demand" else "page")
                return _walk(ctx, case, stage, ctx[f"user.{broker_key}"] if broker_key else None)

        ctx.get_or_create(DockingRequest, lookup={"requester": requester, "message": message}, create=create,
                          label=f"{kind} → {stage}")


def _load_event(ctx: DemoContext) -> None:
    """The roadshow: one point-to-point request made there, and six enterprises' intents."""
    requester = ctx["user.enterprise_member"]
    message = "路演现场听了贵团队的焊接机器人离线编程报告，希望会后继续交流。（示例）"
    achievement = Achievement.objects.filter(status__in=PUBLIC_STATUSES, language="en").order_by("pk").first()
    if achievement is not None:
        ctx.get_or_create(DockingRequest, lookup={"requester": requester, "message": message},
                          create=lambda: services.docking_request_create(
                              requester=requester, achievement=achievement, message=message, origin="event",
                              event_name=EVENT), label=f"event → {EVENT}")
    for enterprise in EVENT_INTENTS:
        ctx.get_or_create(
            CooperationIntent, lookup={"event_name": EVENT, "demand_party": enterprise},
            create=lambda enterprise=enterprise: services.intent_record(
                actor=ctx["user.operator"], event_name=EVENT, supply_party="英国高校路演团队（示例）",
                demand_party=enterprise, scope="路演后签订合作意向，拟开展联合研发与技术许可。（示例）",
                signed_on=date(2026, 11, 20)),
            label=f"{EVENT}: {enterprise}")


def load(ctx: DemoContext) -> None:
    from duijie.supply.demo import _without_mail

    with _without_mail():
        _load_brokers(ctx)
        _load_cases(ctx)
        _load_event(ctx)
