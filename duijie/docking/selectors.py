"""Docking: every read, through ``cases_visible_to`` (the parties, the case's broker, operators). Contact
details come out of ``case_contacts`` only, which applies the double-consent rule."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.accounts.enums import BROKER_ROLES
from duijie.core.errors import NotFound, PermissionDenied
from duijie.docking import assignment, policies
from duijie.docking.calendar import WorkCalendar, local_date, work_calendar
from duijie.docking.enums import (
    BOARD_STAGES,
    LEVEL_RANK,
    OPEN_STAGES,
    BrokerLevel,
    CaseStage,
    EntryKind,
    HistoryKind,
    TargetKind,
)
from duijie.docking.models import BrokerProfile, CaseEntry, CaseHistory, CooperationIntent, DockingRequest
from duijie.taxonomy.models import Region, TechField

CASE_RELATED = ("requester", "requester_organisation", "target_organisation", "achievement", "expert__user",
                "demand", "challenge__demand", "broker", "cooperation_mode")


def cases_visible_to(user: Any) -> QuerySet[DockingRequest]:
    qs = DockingRequest.objects.select_related(*CASE_RELATED)
    if account_policies.is_operator(user):
        return qs
    if not account_policies.is_authenticated(user):
        return qs.none()
    mine = (Q(requester=user) | Q(target_organisation__memberships__user=user) | Q(expert__user=user)
            | Q(broker=user))
    return qs.filter(pk__in=DockingRequest.objects.filter(mine).values("pk"))


# The exhibition hall's name for the same reader.
docking_requests_visible_to = cases_visible_to


def has_open_request(*, user: Any, achievement: Any) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    return DockingRequest.objects.filter(requester=user, achievement=achievement,
                                         status=CaseStage.REQUESTED).exists()


def open_request_for(*, user: Any, **target: Any) -> DockingRequest | None:
    """The user's own request about a target that still waits for an answer."""
    if not account_policies.is_authenticated(user):
        return None
    return DockingRequest.objects.filter(requester=user, status=CaseStage.REQUESTED, **target).first()


TARGET_MODELS: dict[str, Any] = {TargetKind.ACHIEVEMENT: "supply.Achievement", TargetKind.EXPERT: "supply.Expert",
                                 TargetKind.DEMAND: "demand.Demand", TargetKind.CHALLENGE: "demand.Challenge"}


def target_model(kind: str) -> Any:
    """The model a request of ``kind`` is about (None for an unknown kind)."""
    from django.apps import apps

    label = TARGET_MODELS.get(kind)
    return apps.get_model(label) if label else None


def request_target(*, user: Any, kind: str, pk: int) -> Any:
    """What a new request would be about, if the user may see it (a private demand's or hidden expert's
    name must not show on the request form); NotFound otherwise."""
    from duijie.demand import policies as demand_policies
    from duijie.supply import selectors as supply_selectors

    model = target_model(kind)
    target = model.objects.filter(pk=pk).first() if model is not None else None
    if target is None:
        raise NotFound()
    if kind == TargetKind.EXPERT:
        visible = supply_selectors.experts_visible_to(user).filter(pk=pk).exists()
    elif kind == TargetKind.ACHIEVEMENT:
        visible = supply_selectors.achievements_visible_to(user).filter(pk=pk).exists()
    else:
        visible = demand_policies.can_view_demand(user, policies.demand_behind(kind, target))
    if not visible:
        raise NotFound()
    return target


def requester_needs_terms(*, user: Any, kind: str, target: Any) -> bool:
    """Whether the request form must ask the user to accept the demand's confidentiality terms."""
    from duijie.demand import selectors as demand_selectors

    demand = policies.demand_behind(kind, target)
    return policies.is_summary_only(demand) and not demand_selectors.has_accepted_terms(user=user, demand=demand)


def case_for(*, user: Any, pk: int) -> DockingRequest:
    try:
        return cases_visible_to(user).get(pk=pk)
    except DockingRequest.DoesNotExist:
        raise NotFound() from None


@dataclass
class Contact:
    name: str
    organisation: str
    phone: str
    email: str


def case_contacts(*, user: Any, case: DockingRequest) -> dict[str, Contact] | None:
    """Both sides' contacts, or None where the user may not see them yet (double consent)."""
    if not policies.can_see_contacts(user, case):
        return None
    requester = case.requester
    out = {"requester": Contact(requester.full_name, str(case.requester_organisation.display_name)
                                if case.requester_organisation else "", requester.phone, requester.email)}
    organisation = str(case.target_organisation.display_name) if case.target_organisation else ""
    target = case.target
    if case.target_kind == TargetKind.EXPERT and case.expert is not None:
        person = case.expert.user
        out["target"] = Contact(case.expert.name, organisation, person.phone if person else "",
                                person.email if person else "")
    elif case.target_kind == TargetKind.CHALLENGE and case.challenge is not None:
        demand = case.challenge.demand
        out["target"] = Contact(demand.contact_name, organisation, demand.contact_phone, demand.contact_email)
    elif target is not None:
        out["target"] = Contact(getattr(target, "contact_name", ""), organisation, getattr(target, "contact_phone", ""),
                                getattr(target, "contact_email", ""))
    return out


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # an EntryKind, or "history"
    entry: CaseEntry | None = None
    history: CaseHistory | None = None


def case_timeline(*, user: Any, case: DockingRequest) -> list[TimelineItem]:
    """The entries the user may see and the case's history, oldest first. The parties see stage
    changes, not assignments' reasons or reminders."""
    entries = CaseEntry.objects.filter(case=case).select_related("author")
    if not policies.runs_case(user, case):
        entries = entries.filter(kind__in=policies.PARTY_ENTRIES)
    history = CaseHistory.objects.filter(case=case).select_related("actor")
    if not policies.runs_case(user, case):
        history = history.filter(kind=HistoryKind.TRANSITION)
    items = [TimelineItem(at=e.created_at, kind=e.kind, entry=e) for e in entries]
    rows = list(history)
    if not policies.runs_case(user, case):
        # The reasons of stage changes (closing, stalling) are the broker's and operators' words, and who
        # on the other side answered is not the requester's business before consent.
        consented = policies.consented(case)
        for row in rows:
            row.reason = ""
            if not consented and row.actor_id != getattr(user, "pk", None):
                row.actor = None
    items += [TimelineItem(at=h.created_at, kind="history", history=h) for h in rows]
    items.sort(key=lambda item: item.at)
    return items


def meeting_for(*, user: Any, case: DockingRequest, entry_id: int) -> CaseEntry:
    entry = CaseEntry.objects.filter(case=case, pk=entry_id, kind=EntryKind.MEETING).first()
    if entry is None or not policies.can_see_entry(user, case, entry.kind):
        raise NotFound()
    return entry


# --- Broker proposals ------------------------------------------------------------------------------

def _with_ancestors(ids: set[int], parents: dict[int, int | None]) -> set[int]:
    out = set(ids)
    for node in ids:
        seen = 0
        parent = parents.get(node)
        while parent is not None and seen < 10:
            out.add(parent)
            parent, seen = parents.get(parent), seen + 1
    return out


def case_needs(case: DockingRequest) -> tuple[set[int], set[int]]:
    """(technology field ids, region ids of either side) of a case."""
    demand = case.target_demand
    target: Any = demand if demand is not None else case.target
    fields = set(target.fields.values_list("pk", flat=True)) if target is not None else set()
    regions: set[int] = set(demand.regions.values_list("pk", flat=True)) if demand is not None else set()
    for organisation in (case.target_organisation, case.requester_organisation):
        if organisation is not None and organisation.region_id:
            regions.add(organisation.region_id)
    return fields, regions


def broker_proposals(case: DockingRequest, limit: int = 5) -> list[assignment.Proposal]:
    """The brokers the platform proposes for a case, best first, each with its reason."""
    fields, regions = case_needs(case)
    region_parents: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
    field_parents: dict[int, int | None] = dict(TechField.objects.values_list("pk", "parent_id"))
    profiles = (BrokerProfile.objects.filter(accepts_cases=True, user__is_active=True,
                                             user__platform_role__in=BROKER_ROLES)
                .select_related("user").prefetch_related("fields", "regions"))
    load = dict(DockingRequest.objects.filter(status__in=OPEN_STAGES, broker__isnull=False)
                .values("broker").annotate(n=Count("pk")).values_list("broker", "n"))
    candidates = []
    for profile in profiles:
        if not policies.can_run(profile.user, case):
            continue
        candidates.append(assignment.Candidate(
            user_id=profile.user_id, name=profile.user.full_name or profile.user.email, level=profile.level,
            level_rank=LEVEL_RANK.get(BrokerLevel(profile.level), 0), level_label=str(profile.get_level_display()),
            fields={f.pk for f in profile.fields.all()}, field_labels={f.pk: str(f) for f in profile.fields.all()},
            regions={r.pk for r in profile.regions.all()},
            region_labels={r.pk: str(r) for r in profile.regions.all()}, open_cases=load.get(profile.user_id, 0)))
    # A broker serving a province serves its cities: the case's regions count with every region above them.
    needs = assignment.CaseNeeds(fields=fields, field_parents=field_parents,
                                 regions=_with_ancestors(regions, region_parents))
    return assignment.propose(needs, candidates, limit)


# --- The board and the list ---------------------------------------------------------------------------

# --- Service levels ---------------------------------------------------------------------------------

DEFAULT_SLA = {CaseStage.REQUESTED: 3, CaseStage.ACCEPTED: 10, CaseStage.MEETING: 15, CaseStage.NEGOTIATING: 30,
               CaseStage.INTENT_SIGNED: 40}


def sla_days() -> dict[str, int]:
    """Working days allowed per stage (``DUIJIE_DOCKING_SLA`` overrides any of them)."""
    return {**DEFAULT_SLA, **getattr(settings, "DUIJIE_DOCKING_SLA", {})}


def stall_days() -> int:
    return int(getattr(settings, "DUIJIE_DOCKING_STALL_DAYS", 30))


def sla_due(case: DockingRequest, calendar: WorkCalendar) -> date | None:
    """The last working day allowed in the case's stage (None for a stage without a target)."""
    days = sla_days().get(case.status)
    if days is None or case.stage_entered_at is None:
        return None
    return calendar.add_working_days(local_date(case.stage_entered_at), days)



@dataclass
class CaseCard:
    case: DockingRequest
    title: str
    due: date | None
    overdue: bool


def cards(cases: list[DockingRequest], calendar: WorkCalendar | None = None) -> list[CaseCard]:
    calendar = calendar or work_calendar()
    today = timezone.localdate()
    out = []
    for case in cases:
        due = sla_due(case, calendar)
        out.append(CaseCard(case=case, title=case.target_title, due=due, overdue=due is not None and today > due))
    return out


def board_cases(*, user: Any, broker_id: int | None = None, kind: str = "", q: str = "") -> QuerySet[DockingRequest]:
    """The cases of the board and the list: a broker's own, every case for operators."""
    if not policies.can_use_board(user):
        return DockingRequest.objects.none()
    qs = DockingRequest.objects.select_related(*CASE_RELATED)
    if not account_policies.is_operator(user):
        qs = qs.filter(broker=user)
    elif broker_id:
        qs = qs.filter(broker_id=broker_id)
    if kind in TargetKind.values:
        qs = qs.filter(target_kind=kind)
    if q:
        qs = qs.filter(Q(achievement__title__icontains=q) | Q(demand__title__icontains=q)
                       | Q(expert__name__icontains=q) | Q(challenge__demand__title__icontains=q)
                       | Q(requester__full_name__icontains=q) | Q(target_organisation__name__icontains=q))
    return qs.order_by("-last_activity_at", "-id")


def board_columns(*, user: Any, broker_id: int | None = None, kind: str = "", q: str = "",
                  per_column: int = 50) -> list[tuple[str, str, list[CaseCard]]]:
    """(stage, label, cards) per column, the newest activity first; closed columns show the latest."""
    cases = board_cases(user=user, broker_id=broker_id, kind=kind, q=q)
    calendar = work_calendar()
    # One query a column, each cut in the database: closed columns keep only their latest cases.
    return [(stage, str(CaseStage(stage).label), cards(list(cases.filter(status=stage)[:per_column]), calendar))
            for stage in BOARD_STAGES]


def case_list(*, user: Any, stage: str = "", broker_id: int | None = None, kind: str = "", q: str = "",
              overdue: bool = False) -> list[CaseCard]:
    qs = board_cases(user=user, broker_id=broker_id, kind=kind, q=q)
    if stage in CaseStage.values:
        qs = qs.filter(status=stage)
    out = cards(list(qs))
    return [c for c in out if c.overdue] if overdue else out


def my_requests(*, user: Any) -> tuple[QuerySet[DockingRequest], QuerySet[DockingRequest]]:
    """(requests the user sent, requests addressed to the user's side)."""
    if not account_policies.is_authenticated(user):
        none = DockingRequest.objects.none()
        return none, none
    base = DockingRequest.objects.select_related(*CASE_RELATED)
    sent = base.filter(requester=user)
    received = base.filter(pk__in=DockingRequest.objects.filter(
        Q(target_organisation__memberships__user=user) | Q(expert__user=user)).values("pk")).exclude(requester=user)
    return sent, received


def brokers_to_assign() -> QuerySet[Any]:
    from duijie.accounts.models import User

    return User.objects.filter(is_active=True, platform_role__in=BROKER_ROLES).order_by("full_name", "pk")


# --- Brokers: directory, profile, ledger ----------------------------------------------------------------

def broker_directory(*, q: str = "", field_code: str = "", level: str = "", region_code: str = ""
                     ) -> QuerySet[BrokerProfile]:
    """Public profiles: level, fields, regions, organisation. No figures."""
    qs = (BrokerProfile.objects.filter(is_public=True, user__is_active=True, user__platform_role__in=BROKER_ROLES)
          .select_related("user", "organisation").prefetch_related("fields", "regions"))
    if q:
        qs = qs.filter(Q(user__full_name__icontains=q) | Q(bio__icontains=q) | Q(organisation__name__icontains=q))
    if field_code:
        qs = qs.filter(Q(fields__code=field_code) | Q(fields__parent__code=field_code))
    if region_code:
        qs = qs.filter(Q(regions__code=region_code) | Q(regions__parent__code=region_code))
    if level:
        qs = qs.filter(level=level)
    return qs.distinct().order_by("user__full_name", "pk")


def broker_profile(*, user: Any, pk: int) -> BrokerProfile:
    profile = (BrokerProfile.objects.select_related("user", "organisation")
               .prefetch_related("fields", "regions", "certificates", "trainings").filter(pk=pk).first())
    if profile is None or not (profile.is_public or policies.can_edit_broker_profile(user, profile)):
        raise NotFound()
    return profile


def training_hours(profile: BrokerProfile) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for record in profile.trainings.all():
        out[record.module] += record.hours
    return dict(out)


@dataclass
class LedgerRow:
    broker_id: int
    name: str
    level: str
    opened: int = 0
    accepted: int = 0
    meetings: int = 0
    intents: int = 0
    contracts: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)  # intents' estimated amounts by currency
    median_days: dict[str, float] = field(default_factory=dict)  # stage → median days spent (stages left in the period)


def _in(period: tuple[datetime, datetime], name: str) -> Q:
    return Q(**{f"{name}__gte": period[0], f"{name}__lt": period[1]})


def ledger(*, period: tuple[datetime, datetime], broker_ids: list[int] | None = None) -> list[LedgerRow]:
    """Per broker, for the period [start, end): cases opened (created with the broker, or assigned),
    accepted, meetings held, intents signed and their estimated amounts, contracts, and the median
    days a case spent in each stage it left in the period. A fixed number of queries, whatever the
    number of brokers."""
    profiles = BrokerProfile.objects.select_related("user").order_by("user__full_name", "pk")
    if broker_ids is not None:
        profiles = profiles.filter(user_id__in=broker_ids)
    rows = {p.user_id: LedgerRow(p.user_id, p.user.full_name or p.user.email, str(p.get_level_display()))
            for p in profiles}
    ids = list(rows)
    cases = DockingRequest.objects.filter(broker_id__in=ids)
    # Opened: cases assigned to the broker in the period (a case gets its broker after the request).
    for detail in CaseHistory.objects.filter(kind=HistoryKind.ASSIGNMENT).filter(_in(period, "created_at")) \
            .values_list("detail", flat=True):
        if detail.get("to") in rows:
            rows[detail["to"]].opened += 1
    for broker, n in cases.filter(_in(period, "accepted_at")).values_list("broker").annotate(n=Count("pk")):
        rows[broker].accepted = n
    meetings = CaseEntry.objects.filter(case__broker_id__in=ids, kind=EntryKind.MEETING).filter(
        _in(period, "starts_at"))
    for broker, n in meetings.values_list("case__broker").annotate(n=Count("pk")):
        rows[broker].meetings = n
    intents = CooperationIntent.objects.filter(case__broker_id__in=ids, signed_on__gte=local_date(period[0]),
                                               signed_on__lt=local_date(period[1]))
    for broker, currency, n, amount in (intents.values_list("case__broker", "currency")
                                        .annotate(n=Count("pk"), amount=Sum("estimated_amount"))):
        rows[broker].intents += n
        if amount:
            rows[broker].amounts[currency] = rows[broker].amounts.get(currency, Decimal(0)) + amount
    contracts = CaseHistory.objects.filter(case__broker_id__in=ids, kind=HistoryKind.TRANSITION,
                                           to_status=CaseStage.CONTRACTED).filter(_in(period, "created_at"))
    for broker, n in contracts.values_list("case__broker").annotate(n=Count("pk")):
        rows[broker].contracts = n
    # Days per stage: from each transition to the next one of the same case.
    moves = (CaseHistory.objects.filter(case__broker_id__in=ids, kind=HistoryKind.TRANSITION,
                                        created_at__lt=period[1])
             .order_by("case_id", "created_at", "id").values_list("case_id", "case__broker", "to_status", "created_at"))
    spent: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    previous: tuple[int, str, datetime] | None = None
    for case_id, broker, stage, at in moves:
        if previous is not None and previous[0] == case_id and at >= period[0]:
            spent[broker][previous[1]].append((at - previous[2]).total_seconds() / 86400)
        previous = (case_id, stage, at)
    for broker, stages in spent.items():
        rows[broker].median_days = {stage: round(statistics.median(days), 1) for stage, days in stages.items()}
    return list(rows.values())


def ledger_for(*, user: Any, start: date | None = None, end: date | None = None
               ) -> tuple[date, date, list[LedgerRow]]:
    """(start, end, rows) of the ledger the user may read: every broker ranked for operators, their own
    figures for a broker; the year so far unless a period is given. PermissionDenied for anyone else."""
    if not policies.can_view_ledger(user, user):
        raise PermissionDenied(_("The ledger is for brokers and operators."))
    today = timezone.localdate()
    start, end = start or today.replace(month=1, day=1), end or today
    period = period_bounds(start, end)
    if account_policies.is_operator(user):
        return start, end, broker_ranking(period=period)
    return start, end, ledger(period=period, broker_ids=[user.pk])


def broker_ranking(*, period: tuple[datetime, datetime]) -> list[LedgerRow]:
    """Operators' view: brokers by contracts, then intents, accepted cases and meetings."""
    return sorted(ledger(period=period),
                  key=lambda r: (-r.contracts, -r.intents, -r.accepted, -r.meetings, r.name))


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the platform's time zone."""
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def intents_visible_to(user: Any) -> QuerySet[CooperationIntent]:
    qs = CooperationIntent.objects.select_related("case", "cooperation_mode", "recorded_by")
    if account_policies.is_operator(user):
        return qs
    return qs.filter(case__in=cases_visible_to(user))
