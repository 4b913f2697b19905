from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from duijie.accounts.enums import PlatformRole
from duijie.core.errors import DomainError, PermissionDenied
from duijie.demand import selectors, services
from duijie.demand.enums import DemandSource, DemandStatus
from duijie.demand.models import Demand, DemandHistory, TermsAcceptance
from duijie.demand.workflow import TRANSITIONS, ScreeningCheck
from tests.demand.helpers import collected, data, in_screening, published
from tests.factories import (
    AdminMembershipFactory,
    BrokerFactory,
    MembershipFactory,
    UKOrganisationFactory,
    UserFactory,
)
from tests.helpers import fresh_values

pytestmark = pytest.mark.django_db
S = DemandStatus


def test_an_enterprise_member_collects_a_demand_of_its_own(org_admin):
    demand = collected(org_admin, title="機器視覺質檢", confidentiality="summary")
    assert (demand.status, demand.source, demand.stage) == (S.COLLECTED, DemandSource.SELF, "mature")
    assert "机器视觉质检" in demand.search_text and "机器视觉质检" in demand.public_text
    assert "钛合金" in demand.search_text and "钛合金" not in demand.public_text  # details: not for anyone
    assert list(demand.indicators.values_list("name", "value", "unit")) == [("切割速度", "≥ 60", "m/min")]


def test_a_commissioner_records_a_demand_that_the_enterprise_must_confirm(org_admin, operator, in_english):
    commissioner = UserFactory(platform_role=PlatformRole.COMMISSIONER)
    demand = services.demand_create(actor=commissioner, organisation=org_admin.organisation, data=data())
    assert (demand.source, demand.confirmed_at) == (DemandSource.VISIT, None)
    with pytest.raises(PermissionDenied) as refused:
        services.demand_transition(actor=commissioner, demand=demand, name="submit")
    assert "the enterprise" in str(refused.value.message)
    assert fresh_values(demand)["status"] == S.COLLECTED
    services.demand_transition(actor=org_admin.user, demand=demand, name="submit")
    demand.refresh_from_db()
    assert demand.status == S.SCREENING and demand.confirmed_at is not None
    assert selectors.my_demands(user=commissioner).get() == demand  # the commissioner follows it


def test_only_enterprises_have_demands_and_only_their_people_add_them(org_admin):
    university = AdminMembershipFactory(organisation=UKOrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.demand_create(actor=university.user, organisation=university.organisation, data=data())
    with pytest.raises(PermissionDenied):
        services.demand_create(actor=UserFactory(), organisation=org_admin.organisation, data=data())


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": " "}, "title"),
    ({"summary": ""}, "summary"),
    ({"field_ids": []}, "field_ids"),
    ({"trl_needed": 10}, "trl_needed"),
    ({"budget_type": "range", "budget_min": None}, "budget_min"),
    ({"budget_type": "range", "budget_min": 500, "budget_max": 100}, "budget_max"),
    ({"deadline": date(2020, 1, 1)}, "deadline"),
    ({"confidentiality": "secret"}, "confidentiality"),
])
def test_invalid_content_is_refused_field_by_field(org_admin, overrides, field):
    with pytest.raises(DomainError) as refused:
        collected(org_admin, **overrides)
    assert field in refused.value.fields
    assert Demand.objects.count() == 0


# --- the chain: every move from every status, by every kind of person --------------------------------

def _at(status: str, owner, operator):  # type: ignore[no-untyped-def]
    """A demand brought to ``status`` through the services."""
    demand = collected(owner)
    path = {
        S.COLLECTED: [], S.SCREENING: ["submit"], S.PUBLISHED: ["submit", "publish"],
        S.MATCHING: ["submit", "publish", "start_matching"],
        S.BROKERING: ["submit", "publish", "start_matching", "start_brokering"],
        S.CONTRACTED: ["submit", "publish", "start_matching", "start_brokering", "register_contract"],
        S.FULFILLED: ["submit", "publish", "start_matching", "start_brokering", "register_contract", "fulfil"],
        S.REJECTED: ["submit", "reject"], S.WITHDRAWN: ["withdraw"],
        S.EXPIRED: ["submit", "publish", "expire"],
    }[status]
    for name in path:
        actor = owner.user if name in ("submit", "withdraw") else operator
        demand = services.demand_transition(actor=actor, demand=demand, name=name, reason="原因",
                                            checklist=list(ScreeningCheck.ITEMS))
    return demand


@pytest.mark.parametrize("status", list(S.values))
def test_every_move_from_every_status(status, org_admin, operator):
    demand = _at(status, org_admin, operator)
    for name, transition in TRANSITIONS.items():
        before = fresh_values(demand)
        actor = operator if name not in ("submit",) else org_admin.user
        legal = status in transition.sources
        if legal:
            continue  # the legal moves are taken in the paths above and in the tests below
        with pytest.raises(DomainError) as refused:
            services.demand_transition(actor=actor, demand=demand, name=name, reason="原因",
                                       checklist=list(ScreeningCheck.ITEMS))
        assert refused.value.code == "invalid_transition", (status, name)
        assert str(demand.get_status_display()) in str(refused.value.message)
        assert fresh_values(demand) == before, (status, name)


@pytest.mark.parametrize(("name", "who", "allowed"), [
    ("publish", "owner", False), ("publish", "broker", False), ("publish", "operator", True),
    ("reject", "owner", False), ("return", "stranger", False),
    ("start_matching", "owner", False), ("start_matching", "broker", True), ("start_matching", "other_broker", False),
    ("withdraw", "stranger", False), ("withdraw", "owner", True), ("register_contract", "broker", False),
])
def test_who_may_move_each_step(name, who, allowed, org_admin, operator):
    source = {"publish": S.SCREENING, "reject": S.SCREENING, "return": S.SCREENING, "start_matching": S.PUBLISHED,
              "withdraw": S.PUBLISHED, "register_contract": S.BROKERING}[name]
    demand = _at(source, org_admin, operator)
    broker = BrokerFactory()
    services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
    actor = {"owner": org_admin.user, "operator": operator, "broker": broker, "other_broker": BrokerFactory(),
             "stranger": UserFactory()}[who]
    before = fresh_values(demand)
    call = lambda: services.demand_transition(actor=actor, demand=demand, name=name, reason="原因",  # noqa: E731
                                              checklist=list(ScreeningCheck.ITEMS))
    if allowed:
        assert call().status == TRANSITIONS[name].target
        entry = DemandHistory.objects.filter(demand=demand, kind="transition").first()
        assert (entry.actor, entry.from_status, entry.to_status) == (actor, source, TRANSITIONS[name].target)
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert fresh_values(demand) == before


def test_publishing_needs_the_whole_checklist_and_rejecting_a_reason(org_admin, operator,
                                                                    django_capture_on_commit_callbacks):
    demand = in_screening(org_admin)
    with pytest.raises(DomainError) as refused:
        services.demand_transition(actor=operator, demand=demand, name="publish", checklist=["feasible"])
    assert refused.value.code == "checklist_incomplete" and len(refused.value.fields["checklist"]) == 3
    with pytest.raises(DomainError) as refused:
        services.demand_transition(actor=operator, demand=demand, name="reject", reason="  ")
    assert refused.value.code == "reason_required"
    assert fresh_values(demand)["status"] == S.SCREENING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_transition(actor=operator, demand=demand, name="reject", reason="企业信息无法核实")
    assert [m.to for m in mail.outbox] == [[org_admin.user.email]]
    assert "企业信息无法核实" in mail.outbox[0].body


def test_submitting_tells_the_operators_and_publishing_the_enterprise(org_admin, operator,
                                                                      django_capture_on_commit_callbacks):
    demand = collected(org_admin)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_transition(actor=org_admin.user, demand=demand, name="submit")
    assert [m.to for m in mail.outbox] == [[operator.email]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demand = services.demand_transition(actor=operator, demand=demand, name="publish",
                                            checklist=list(ScreeningCheck.ITEMS))
    assert demand.published_at is not None
    assert [m.to for m in mail.outbox] == [[org_admin.user.email]]


def test_owners_edit_while_collected_operators_later_with_history(org_admin, operator):
    demand = collected(org_admin)
    services.demand_update(actor=org_admin.user, demand=demand, data=data(title="新标题"))
    assert fresh_values(demand)["title"] == "新标题"
    demand = _at(S.PUBLISHED, org_admin, operator)
    with pytest.raises(PermissionDenied):
        services.demand_update(actor=org_admin.user, demand=demand, data=data(title="改"))
    services.demand_update(actor=operator, demand=demand, data=data(title="运营修改"))
    edit = DemandHistory.objects.get(demand=demand, kind="edit")
    assert "title" in edit.detail["fields"] and edit.actor == operator


def test_terms_are_accepted_once_per_version_and_only_where_there_are_terms(org_admin, operator):
    summary_only = published(org_admin, operator, confidentiality="summary")
    reader = UserFactory()
    services.demand_accept_terms(actor=reader, demand=summary_only)
    services.demand_accept_terms(actor=reader, demand=summary_only)
    acceptance = TermsAcceptance.objects.get()
    assert (acceptance.user, acceptance.version) == (reader, "2026-11")
    with pytest.raises(PermissionDenied):
        services.demand_accept_terms(actor=reader, demand=published(org_admin, operator))  # public: no terms


def test_only_brokers_are_assigned_and_changes_are_recorded(org_admin, operator):
    demand = published(org_admin, operator)
    broker = BrokerFactory()
    with pytest.raises(DomainError):
        services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[UserFactory().pk])
    with pytest.raises(PermissionDenied):
        services.demand_assign_brokers(actor=org_admin.user, demand=demand, broker_ids=[broker.pk])
    services.demand_assign_brokers(actor=operator, demand=demand, broker_ids=[broker.pk])
    assert list(demand.brokers.all()) == [broker]
    assert DemandHistory.objects.get(demand=demand, kind="broker").detail == {"before": [], "after": [broker.pk]}


def test_the_deadline_job_notices_a_week_ahead_once_and_expires_after(org_admin, operator,
                                                                      django_capture_on_commit_callbacks):
    today = timezone.localdate()
    MembershipFactory(organisation=org_admin.organisation)
    soon = published(org_admin, operator, title="七天后截止", deadline=today + timedelta(days=7))
    later = published(org_admin, operator, title="八天后截止", deadline=today + timedelta(days=8))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.demands_expire(today=today) == {"noticed": 1, "expired": 0}
    assert len(mail.outbox) == 2 and "七天后截止" in mail.outbox[0].subject
    assert services.demands_expire(today=today) == {"noticed": 0, "expired": 0}  # once
    # On the deadline itself the demand is still open; the day after, it expires.
    assert services.demands_expire(today=soon.deadline) == {"noticed": 1, "expired": 0}  # the other one's week
    assert services.demands_expire(today=soon.deadline + timedelta(days=1)) == {"noticed": 0, "expired": 1}
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == S.EXPIRED and later.status == S.PUBLISHED
    entry = DemandHistory.objects.filter(demand=soon).first()
    assert entry.actor is None and entry.to_status == S.EXPIRED and str(soon.deadline) in entry.reason


@pytest.mark.parametrize(("original", "near", "far"), [
    (dict(title="动力电池极片激光切割设备", summary="寻求高速、低毛刺的极片切割方案。", problem="毛刺大"),
     dict(title="動力電池極片鐳射切割設備", summary="尋求高速低毛刺的極片切割方案", problem="毛刺"),
     dict(title="农业无人机植保喷洒系统", summary="提高喷洒均匀度。", problem="漂移")),
    (dict(title="Laser cutting of battery electrode sheets", summary="High-speed cutting with low burrs.",
          problem="Burrs", language="en"),
     dict(title="Laser cutting for battery electrode sheet", summary="Cutting at high speed, low burr.",
          problem="burr", language="en"),
     dict(title="Drone crop spraying system", summary="Even spraying of pesticides.", problem="Drift",
          language="en")),
])
def test_likely_duplicates_in_chinese_and_in_english(original, near, far, org_admin, operator):
    bare = {"description": "", "indicators": []}
    first = published(org_admin, operator, **original, **bare)
    twin = in_screening(AdminMembershipFactory(), **near, **bare)
    unrelated = published(org_admin, operator, **far, **bare)
    found = selectors.likely_duplicates(user=operator, demand=twin)
    assert [d for d, _score in found] == [first]
    assert 0.45 <= found[0][1] <= 1
    assert unrelated not in [d for d, _s in selectors.likely_duplicates(user=operator, demand=first)]
    assert selectors.likely_duplicates(user=org_admin.user, demand=twin) == []  # operators only
