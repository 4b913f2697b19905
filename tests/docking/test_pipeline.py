"""Every pipeline transition and its refusals, the history rows, notifications, the stalled rule and
the service-level reminders."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from duijie.core.errors import DomainError, PermissionDenied
from duijie.docking import services
from duijie.docking.enums import CaseStage, HistoryKind
from duijie.docking.models import CaseHistory, DockingRequest
from duijie.notifications.models import Notification
from tests.docking.helpers import Parties, broker
from tests.factories import ExpertFactory, UserFactory
from tests.helpers import fresh_values

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(code: str, fn, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as excinfo:
        fn(**kwargs)
    assert excinfo.value.code == code, excinfo.value.message


def test_the_whole_pipeline_writes_a_history_row_per_move() -> None:
    parties = Parties()
    case = parties.case_at("intent_signed")
    rows = list(CaseHistory.objects.filter(case=case, kind=HistoryKind.TRANSITION)
                .values_list("from_status", "to_status", "actor"))
    assert rows == [("", "requested", parties.requester.pk), ("requested", "accepted", parties.owner.pk),
                    ("accepted", "meeting", parties.broker.pk), ("meeting", "negotiating", parties.broker.pk),
                    ("negotiating", "intent_signed", parties.broker.pk)]
    assert CaseHistory.objects.filter(case=case, kind=HistoryKind.ASSIGNMENT).count() == 1
    assert case.accepted_at is not None and case.answered_by == parties.owner


@pytest.mark.parametrize(("stage", "name", "who", "code"), [
    ("requested", "accept", "requester", "permission_denied"),
    ("requested", "accept", "operator", "permission_denied"),  # consent is the target side's, not the platform's
    ("requested", "accept", "case broker", "permission_denied"),
    ("requested", "decline", "requester", "permission_denied"),
    ("requested", "meet", "operator", "invalid_transition"),
    ("accepted", "accept", "owner", "invalid_transition"),
    ("accepted", "meet", "owner", "permission_denied"),
    ("accepted", "meet", "other broker", "permission_denied"),
    ("accepted", "negotiate", "case broker", "invalid_transition"),
    ("meeting", "sign_intent", "case broker", "invalid_transition"),
    ("negotiating", "sign_intent", "case broker", "intent_required"),
    ("intent_signed", "contract", "case broker", "contract_required"),
    ("intent_signed", "contract", "operator", "contract_required"),
    ("accepted", "stall", "case broker", "permission_denied"),
    ("accepted", "stall", "operator", "reason_required"),
    ("accepted", "close", "case broker", "reason_required"),
    ("accepted", "resume", "case broker", "invalid_transition"),
    ("declined", "accept", "owner", "invalid_transition"),
    ("accepted", "fly", "operator", "unknown_transition"),
])
def test_refusals_change_nothing(stage: str, name: str, who: str, code: str) -> None:
    parties = Parties()
    if stage == "negotiating":
        # Reach it without the intent that case_at records on the way to intent signed.
        case = parties.case_at("meeting")
        case = services.case_transition(actor=parties.broker, case=case, name="negotiate")
    else:
        case = parties.case_at(stage)
    before = fresh_values(case)
    history = CaseHistory.objects.count()
    actor = {"requester": parties.requester, "owner": parties.owner, "operator": parties.operator,
             "case broker": parties.broker, "other broker": broker()}[who]
    refused(code, services.case_transition, actor=actor, case=case, name=name)
    assert fresh_values(case) == before and CaseHistory.objects.count() == history


def test_decline_needs_a_listed_reason_and_the_requester_reads_a_polite_notice(
        django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    case = parties.request()
    refused("validation_error", services.case_transition, actor=parties.owner, case=case, name="decline",
            decline_reason="because")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_transition(actor=parties.owner, case=case, name="decline", decline_reason="no_capacity",
                                        reason="团队今年排满，且对该企业印象不佳")
    assert (case.status, case.decline_reason) == ("declined", "no_capacity")
    [notice] = [m for m in mail.outbox if m.to == [parties.requester.email]]
    assert "团队今年排满" not in notice.body and "印象不佳" not in notice.body
    assert "no_capacity" not in notice.body
    in_app = Notification.objects.get(recipient=parties.requester, kind="docking/email/declined")
    assert "印象不佳" not in in_app.body
    # The history keeps the code, not the note, for the parties to read.
    row = CaseHistory.objects.filter(case=case).last()
    assert row.reason == "" and row.detail == {"decline_reason": "no_capacity"}


def test_notifications_reach_each_person_in_their_language(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    parties = Parties()
    parties.owner.preferred_language = "en"
    parties.owner.save(update_fields=["preferred_language"])
    parties.operator.preferred_language = "ru"
    parties.operator.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        case = parties.request()
    owner_note = Notification.objects.get(recipient=parties.owner)
    assert owner_note.title.startswith("Docking request:") and owner_note.url == f"/docking/cases/{case.pk}/"
    operator_mail = next(m for m in mail.outbox if m.to == [parties.operator.email])
    assert re.search("[а-яА-Я]", operator_mail.subject), operator_mail.subject  # Russian
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(actor=parties.owner, case=case, name="accept")
    requester_note = Notification.objects.get(recipient=parties.requester, kind="docking/email/accepted")
    assert "接受" in requester_note.title  # zh-hans, the requester's language


def test_requests_to_experts_demands_and_challenges_name_their_target_side() -> None:
    from tests.demand.helpers import published as published_demand

    parties = Parties()
    expert_user = UserFactory()
    expert = ExpertFactory(organisation=parties.institution.organisation, user=expert_user)
    case = services.docking_request_create(requester=parties.requester, expert=expert, message="想请教授做技术顾问。")
    assert (case.target_kind, case.target_organisation) == ("expert", parties.institution.organisation)
    services.case_transition(actor=expert_user, case=case, name="accept")
    demand = published_demand()
    case = services.docking_request_create(requester=parties.owner, demand=demand, message="我们的成果可以解决该需求。",
                                           origin="recommendation")
    assert (case.target_kind, case.origin, case.target_organisation) == ("demand", "recommendation",
                                                                        demand.organisation)
    refused("permission_denied", services.docking_request_create, requester=UserFactory(), expert=ExpertFactory(
        is_public=False), message="想请教授做技术顾问。")
    refused("validation_error", services.docking_request_create, requester=parties.requester,
            achievement=parties.achievement, message="太短")
    refused("validation_error", services.docking_request_create, requester=UserFactory(),
            achievement=parties.achievement, message="路演现场认识，想继续交流。", origin="event")
    event_case = services.docking_request_create(requester=UserFactory(), achievement=parties.achievement,
                                                 message="路演现场认识，想继续交流。", origin="event",
                                                 event_name="2026 苏州技术转移路演")
    assert event_case.event_name == "2026 苏州技术转移路演"


def test_stalled_rule_and_back_on_new_activity(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DUIJIE_DOCKING_STALL_DAYS = 20
    parties = Parties()
    case = parties.case_at("negotiating")
    DockingRequest.objects.filter(pk=case.pk).update(last_activity_at=timezone.now() - timedelta(days=19))
    assert services.cases_check_service_levels()["stalled"] == 0
    DockingRequest.objects.filter(pk=case.pk).update(last_activity_at=timezone.now() - timedelta(days=21))
    assert services.cases_check_service_levels()["stalled"] == 1
    case.refresh_from_db()
    assert (case.status, case.stalled_from) == ("stalled", "negotiating")
    row = CaseHistory.objects.filter(case=case).last()
    assert (row.actor, row.from_status, row.to_status) == (None, "negotiating", "stalled")
    assert services.cases_check_service_levels()["stalled"] == 0  # a stalled case stays put
    services.case_add_entry(actor=parties.requester, case=case, kind="message", body="我们重新评估了预算，可以继续。")
    case.refresh_from_db()
    assert (case.status, case.stalled_from) == ("negotiating", "")
    assert CaseHistory.objects.filter(case=case).last().to_status == "negotiating"


def test_operators_stall_close_and_resume_by_hand() -> None:
    parties = Parties()
    case = parties.case_at("meeting")
    case = services.case_transition(actor=parties.operator, case=case, name="stall", reason="企业负责人出差三个月")
    case = services.case_transition(actor=parties.broker, case=case, name="resume")
    assert case.status == "meeting"
    case = services.case_transition(actor=parties.broker, case=case, name="close", reason="企业改为自主研发")
    assert case.status == "declined"
    refused("permission_denied", services.case_add_entry, actor=parties.broker, case=case, kind="note", body="…")


def test_service_level_reminders_count_working_days_and_come_once(settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.DUIJIE_DOCKING_SLA = {"requested": 3}
    parties = Parties()
    case = parties.request()
    # Requested on Thursday 12 Feb 2026: three working days run to Tue 24 Feb (14 Feb is a make-up day,
    # 15–23 Feb the Spring Festival).
    entered = datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)
    DockingRequest.objects.filter(pk=case.pk).update(stage_entered_at=entered, last_activity_at=entered)
    assert services.cases_check_service_levels(now=datetime(2026, 2, 24, 18, 0, tzinfo=SHANGHAI))["reminded"] == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = services.cases_check_service_levels(now=datetime(2026, 2, 25, 9, 0, tzinfo=SHANGHAI))
    assert done["reminded"] == 1
    assert {m.to[0] for m in mail.outbox} == {parties.owner.email, parties.operator.email}
    assert any("2026-02-24" in m.body for m in mail.outbox)
    assert services.cases_check_service_levels(now=datetime(2026, 2, 26, 9, 0, tzinfo=SHANGHAI))["reminded"] == 0
    assert CaseHistory.objects.filter(case=case, kind=HistoryKind.REMINDER).count() == 1


def test_the_case_page_and_board_flag_overdue_cases(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    parties = Parties()
    case = parties.case_at("accepted")
    long_ago = timezone.now() - timedelta(days=40)
    DockingRequest.objects.filter(pk=case.pk).update(stage_entered_at=long_ago)
    page = client_for(parties.broker).get(reverse("docking:case", args=[case.pk]))
    assert 'data-testid="overdue"' in page.content.decode()
    board = client_for(parties.broker).get(reverse("docking:board"))
    assert "kanban-card overdue" in board.content.decode()
    listing = client_for(parties.broker).get(reverse("docking:list") + "?overdue=1")
    assert [c.case.pk for c in listing.context["page"].object_list] == [case.pk]


def test_cooperation_intents_on_a_case_and_at_an_event() -> None:
    from decimal import Decimal

    parties = Parties()
    case = parties.case_at("negotiating")
    intent = services.intent_record(actor=parties.broker, case=case, scope="联合开发视觉质检系统",
                                    signed_on=date(2026, 11, 30), estimated_amount=Decimal("800000"))
    assert intent.supply_party == str(parties.institution.organisation.display_name)
    assert intent.demand_party == str(parties.enterprise.organisation.display_name)
    refused("permission_denied", services.intent_record, actor=parties.requester, case=case, scope="x",
            signed_on=date(2026, 11, 30))
    refused("validation_error", services.intent_record, actor=parties.broker, case=case, scope="",
            signed_on=date(2026, 11, 30))
    refused("validation_error", services.intent_record, actor=parties.broker, case=case, scope="范围",
            signed_on=timezone.localdate() + timedelta(days=3))
    for n in range(6):  # "six enterprises extended an olive branch to the roadshow teams"
        services.intent_record(actor=parties.operator, event_name="2026 中英技术转移路演", supply_party="曼彻斯特大学团队",
                               demand_party=f"苏州企业{n}", scope="设立联合实验室", signed_on=date(2026, 11, 20))
    refused("validation_error", services.intent_record, actor=parties.operator, supply_party="a", demand_party="b",
            scope="c", signed_on=date(2026, 11, 20))
    refused("permission_denied", services.intent_record, actor=parties.broker, event_name="路演", supply_party="a",
            demand_party="b", scope="c", signed_on=date(2026, 11, 20))


def test_assignment_keeps_history_and_checks_roles() -> None:
    parties = Parties()
    case = parties.request()
    second = broker()
    services.case_assign_broker(actor=parties.operator, case=case, broker=parties.broker, reason="熟悉该领域")
    services.case_assign_broker(actor=parties.operator, case=case, broker=second, reason="原经纪人休假")
    rows = list(CaseHistory.objects.filter(case=case, kind=HistoryKind.ASSIGNMENT).values_list("detail", "reason"))
    assert [(d["from"], d["to"], r) for d, r in rows] == [(None, parties.broker.pk, "熟悉该领域"),
                                                         (parties.broker.pk, second.pk, "原经纪人休假")]
    with pytest.raises(PermissionDenied):
        services.case_assign_broker(actor=parties.broker, case=case, broker=parties.broker)
    refused("validation_error", services.case_assign_broker, actor=parties.operator, case=case,
            broker=UserFactory())
    assert DockingRequest.objects.get(pk=case.pk).broker == second


def test_contracted_stage_is_unreachable_until_contract_registration_exists() -> None:
    parties = Parties()
    case = parties.case_at("intent_signed")
    refused("contract_required", services.case_transition, actor=parties.operator, case=case, name="contract")
    assert DockingRequest.objects.get(pk=case.pk).status == CaseStage.INTENT_SIGNED


def test_the_scheduled_command(settings) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    settings.DUIJIE_DOCKING_STALL_DAYS = 10
    parties = Parties()
    case = parties.case_at("meeting")
    DockingRequest.objects.filter(pk=case.pk).update(last_activity_at=timezone.now() - timedelta(days=11))
    out = StringIO()
    call_command("docking_sla", stdout=out)
    assert "1 case(s) marked stalled" in out.getvalue()
    assert DockingRequest.objects.get(pk=case.pk).status == "stalled"


def test_the_requester_withdraws_and_an_intent_resumes_a_stalled_case() -> None:
    parties = Parties()
    case = parties.request()
    refused("permission_denied", services.case_transition, actor=parties.owner, case=case, name="withdraw")
    case = services.case_transition(actor=parties.requester, case=case, name="withdraw")
    assert case.status == "declined"
    other = Parties()
    stalled = services.case_transition(actor=other.operator, case=other.case_at("negotiating"), name="stall",
                                       reason="暂停")
    services.intent_record(actor=other.broker, case=stalled, scope="重新启动合作", signed_on=date(2026, 12, 1))
    assert DockingRequest.objects.get(pk=stalled.pk).status == "negotiating"


def test_the_stall_job_leaves_a_case_that_moved_meanwhile(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DUIJIE_DOCKING_STALL_DAYS = 10
    parties = Parties()
    case = parties.case_at("meeting")  # active just now
    refused("still_active", services.case_transition, actor=None, case=case, name="stall", reason="x")
