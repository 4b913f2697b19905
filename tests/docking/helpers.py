"""Docking cases made through the services, as the people in DESIGN.md make them."""

from __future__ import annotations

from datetime import date
from typing import Any

from duijie.docking import services
from duijie.docking.enums import BrokerLevel
from duijie.docking.models import BrokerProfile
from duijie.supply.models import Achievement
from duijie.taxonomy.models import Region, TechField
from tests.factories import AchievementFactory, AdminMembershipFactory, BrokerFactory, OperatorFactory

MESSAGE = "我们希望引进该技术用于产线质检，请联系。"


class Parties:
    """An institution's achievement, an enterprise that asks about it, an operator and a broker."""

    def __init__(self, achievement: Achievement | None = None) -> None:
        self.institution = AdminMembershipFactory(organisation__kind="university")
        self.achievement = achievement or AchievementFactory(
            organisation=self.institution.organisation, contact_name="李老师", contact_phone="13900000001",
            contact_email="li@university.example")
        self.enterprise = AdminMembershipFactory()
        self.enterprise.user.phone = "13800000002"
        self.enterprise.user.save(update_fields=["phone"])
        self.operator = OperatorFactory()
        self.broker = broker()

    @property
    def requester(self) -> Any:
        return self.enterprise.user

    @property
    def owner(self) -> Any:
        return self.institution.user

    def request(self, **kwargs: Any) -> Any:
        return services.docking_request_create(requester=self.requester, achievement=self.achievement,
                                               message=MESSAGE, **kwargs)

    def case_at(self, stage: str) -> Any:
        """A case walked through the pipeline to ``stage`` (its broker assigned on acceptance)."""
        case = self.request()
        if stage == "requested":
            return case
        if stage == "declined":
            return services.case_transition(actor=self.owner, case=case, name="decline", decline_reason="no_capacity",
                                            reason="内部原因：团队已满")
        case = services.case_transition(actor=self.owner, case=case, name="accept")
        case = services.case_assign_broker(actor=self.operator, case=case, broker=self.broker)
        for name in ("meet", "negotiate", "sign_intent"):
            if case.status == stage:
                return case
            if name == "sign_intent":
                services.intent_record(actor=self.broker, case=case, scope="联合开发视觉质检系统", signed_on=date.today())
            case = services.case_transition(actor=self.broker, case=case, name=name)
        return case


def broker(level: str = BrokerLevel.JUNIOR, fields: list[str] = (), regions: list[str] = (),  # type: ignore[assignment]
           name: str = "", accepts_cases: bool = True) -> Any:
    user = BrokerFactory(**({"full_name": name} if name else {}))
    profile = BrokerProfile.objects.create(user=user, level=level, accepts_cases=accepts_cases)
    profile.fields.set(TechField.objects.filter(code__in=list(fields)))
    profile.regions.set(Region.objects.filter(code__in=list(regions)))
    return user
