"""Docking: every write. Requests with double consent, the case pipeline (``workflow.py``), broker
assignment with proposals, the timeline, cooperation intents, broker profiles, and the service-level
job (reminders, the stalled rule). Each write checks its permission here, writes its history row and
notifies, in the recipient's language, whoever must act next.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.accounts.enums import BROKER_ROLES
from duijie.accounts.models import Organisation, User
from duijie.core.errors import DomainError, PermissionDenied
from duijie.demand import policies as demand_policies
from duijie.demand import selectors as demand_selectors
from duijie.demand.models import Challenge, Demand
from duijie.docking import policies
from duijie.docking.calendar import local_date, work_calendar
from duijie.docking.enums import (
    BrokerLevel,
    CaseStage,
    DeclineReason,
    EntryKind,
    HistoryKind,
    Origin,
    TargetKind,
    TrainingModule,
)
from duijie.docking.models import (
    BrokerCertificate,
    BrokerProfile,
    CaseEntry,
    CaseHistory,
    CooperationIntent,
    DockingRequest,
    TrainingRecord,
)
from duijie.docking.selectors import sla_days, sla_due, stall_days
from duijie.docking.workflow import TRANSITIONS, target_of, transition_to
from duijie.notifications.services import notify
from duijie.supply.enums import Currency
from duijie.supply.models import Achievement, Expert
from duijie.taxonomy.models import CooperationMode, Region, TechField

MAX_FILE_BYTES = 20 * 1024 * 1024
def _case_path(case: DockingRequest) -> str:
    return reverse("docking:case", args=[case.pk])


def _operators() -> Any:
    return User.objects.filter(platform_role="operator", is_active=True)


def _members(organisation: Organisation | None) -> list[User]:
    if organisation is None:
        return []
    return list(User.objects.filter(memberships__organisation=organisation, is_active=True).distinct())


def target_side_people(case: DockingRequest) -> list[User]:
    people = _members(case.target_organisation)
    expert_user = case.expert.user if case.target_kind == TargetKind.EXPERT and case.expert else None
    if expert_user is not None and expert_user.is_active and expert_user not in people:
        people.insert(0, expert_user)
    return people


def requester_side_people(case: DockingRequest) -> list[User]:
    return [case.requester] if case.requester.is_active else []


def _notify_all(people: list[User], template: str, case: DockingRequest, **context: Any) -> None:
    seen: set[int] = set()
    for person in people:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        notify(recipient=person, template=template, context={"case": case, "target_title": case.target_title,
                                                              **context}, path=_case_path(case))


# --- Requests -------------------------------------------------------------------------------------------

def _resolve_target(kind: str, achievement: Achievement | None, expert: Expert | None, demand: Demand | None,
                    challenge: Challenge | None) -> tuple[str, Any, Organisation]:
    if kind == TargetKind.ACHIEVEMENT and achievement is not None:
        return kind, achievement, achievement.organisation
    if kind == TargetKind.EXPERT and expert is not None:
        return kind, expert, expert.organisation
    if kind == TargetKind.DEMAND and demand is not None:
        return kind, demand, demand.organisation
    if kind == TargetKind.CHALLENGE and challenge is not None:
        return kind, challenge, challenge.demand.organisation
    raise DomainError(_("Say what the request is about."), code="validation_error",
                      fields={"target": [str(_("Choose an achievement, an expert, a demand or a challenge."))]})


@transaction.atomic
def docking_request_create(
    *, requester: User, message: str, achievement: Achievement | None = None, expert: Expert | None = None,
    demand: Demand | None = None, challenge: Challenge | None = None, target_kind: str = "",
    cooperation_mode: CooperationMode | None = None, origin: str = Origin.PAGE, event_name: str = "",
    accept_terms: bool = False,
) -> DockingRequest:
    """Ask the side behind a target to make contact. Nothing of either side's contact details is shared
    until the target side accepts. A request about a summary-only demand needs the requester to accept
    its confidentiality terms (``accept_terms``, or an acceptance already on record).

    Side effects: a notification (in-app and e-mail) to each person of the target side and each operator."""
    kind = target_kind or next((k for k, v in ((TargetKind.ACHIEVEMENT, achievement), (TargetKind.EXPERT, expert),
                                               (TargetKind.DEMAND, demand), (TargetKind.CHALLENGE, challenge))
                                if v is not None), "")
    kind, target, organisation = _resolve_target(kind, achievement, expert, demand, challenge)
    if not policies.can_request(requester, kind, target, organisation):
        raise PermissionDenied(_("You cannot request docking for this."))
    message = (message or "").strip()
    if len(message) < 10:
        raise DomainError(_("Tell the other side in a sentence or two what you are looking for."),
                          code="validation_error", fields={"message": [str(_("Write at least 10 characters."))]})
    if origin not in Origin.values:
        raise DomainError(_("Unknown origin."), code="validation_error", fields={"origin": [str(_("Unknown origin."))]})
    event_name = (event_name or "").strip()[:200]
    if origin == Origin.EVENT and not event_name:
        raise DomainError(_("Name the event where you met."), code="validation_error",
                          fields={"event_name": [str(_("Name the event where you met."))]})
    lookup = {kind: target}
    if DockingRequest.objects.filter(requester=requester, status=CaseStage.REQUESTED, **lookup).exists():
        raise DomainError(_("You have already asked to make contact about this; the other side will answer."),
                          code="duplicate_request")
    terms_at = None
    the_demand = policies.demand_behind(kind, target)
    if policies.is_summary_only(the_demand):
        if accept_terms and demand_policies.can_accept_terms(requester, the_demand):
            from duijie.demand.services import demand_accept_terms

            demand_accept_terms(actor=requester, demand=the_demand)
        if demand_selectors.has_accepted_terms(user=requester, demand=the_demand):
            terms_at = timezone.now()
        else:
            raise DomainError(_("Accept the demand's confidentiality terms first: contacts are shared only then."),
                              code="terms_required",
                              fields={"accept_terms": [str(_("Accept the confidentiality terms."))]})
    membership = requester.memberships.select_related("organisation").first()
    now = timezone.now()
    case = DockingRequest.objects.create(
        requester=requester, requester_organisation=membership.organisation if membership else None,
        target_kind=kind, target_organisation=organisation, origin=origin, event_name=event_name,
        cooperation_mode=cooperation_mode, message=message[:2000], terms_accepted_at=terms_at,
        stage_entered_at=now, last_activity_at=now, **lookup,
    )
    CaseHistory.objects.create(case=case, kind=HistoryKind.TRANSITION, actor=requester, from_status="",
                               to_status=CaseStage.REQUESTED)
    _notify_all(target_side_people(case), "docking/email/requested", case)
    _notify_all(list(_operators()), "docking/email/requested_operator", case)
    return case


# --- The pipeline ---------------------------------------------------------------------------------------

@transaction.atomic
def case_transition(*, actor: User | None, case: DockingRequest, name: str, reason: str = "",
                    decline_reason: str = "") -> DockingRequest:
    """Move a case along the pipeline; ``actor`` None is the service-level job. A refused move changes
    nothing. ``decline`` takes ``decline_reason`` (one of ``DeclineReason``) and an optional note in
    ``reason``, which only the platform reads; the requester gets a polite notice."""
    case = (DockingRequest.objects.select_for_update(of=("self",)).select_related(
        "requester", "expert", "demand", "challenge__demand", "achievement", "target_organisation",
        "requester_organisation", "broker").get(pk=case.pk))
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(_("Unknown action."), code="unknown_transition")
    if case.status not in transition.sources:
        raise DomainError(_("This cannot be done while the case is “%(stage)s”.") % {"stage": case.get_status_display()},
                          code="invalid_transition")
    if not transition.allowed(actor, case):
        raise PermissionDenied(_("Only %(who)s can do this.") % {"who": transition.who})
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        message = str(_("Give a reason; it is kept in the case's history."))
        raise DomainError(message, code="reason_required", fields={"reason": [message]})
    if name == "decline" and decline_reason not in DeclineReason.values:
        message = str(_("Choose a reason for declining."))
        raise DomainError(message, code="validation_error", fields={"decline_reason": [message]})
    if name == "sign_intent" and not case.intents.exists():
        message = str(_("Record the signed cooperation intent on the case first."))
        raise DomainError(message, code="intent_required")
    if name == "stall" and actor is None and case.last_activity_at is not None \
            and case.last_activity_at > timezone.now() - timedelta(days=stall_days()):
        raise DomainError(_("The case has had activity since; it is not stalled."), code="still_active")
    if name == "contract":
        # The contracts issue adds the technology-contract record that this step links to; until
        # then no case can be moved to contracted.
        raise DomainError(_("A case moves to contracted when its technology contract is registered; contract "
                            "registration is not available on this platform yet."), code="contract_required")
    old = case.status
    new = target_of(transition, case)
    now = timezone.now()
    case.status = new
    case.stage_entered_at = now
    changed = ["status", "stage_entered_at", "updated_at"]
    if name == "accept":
        case.accepted_at, case.answered_by = now, actor
        changed += ["accepted_at", "answered_by"]
    if name == "decline":
        case.answered_by, case.decline_reason, case.decline_note = actor, decline_reason, reason[:2000]
        changed += ["answered_by", "decline_reason", "decline_note"]
    if name == "stall":
        case.stalled_from = old
        changed.append("stalled_from")
    if name == "resume":
        case.stalled_from = ""
        changed.append("stalled_from")
    if actor is not None:
        case.last_activity_at = now
        changed.append("last_activity_at")
    case.save(update_fields=changed)
    CaseHistory.objects.create(case=case, kind=HistoryKind.TRANSITION, actor=actor, from_status=old, to_status=new,
                               reason="" if name == "decline" else reason,
                               detail={"decline_reason": decline_reason} if name == "decline" else {})
    _notify_transition(case, name, actor)
    return case


def case_move(*, actor: User, case: DockingRequest, stage: str, reason: str = "") -> DockingRequest:
    """Move a case to ``stage`` by the one transition that leads there for ``actor`` (a kanban drop);
    a move to the stage it is in changes nothing. A transition that needs a reason gets a default one."""
    if case.status == stage:
        return case
    found = transition_to(actor, case, stage)
    if found is None:
        raise DomainError(_("“%(from)s” cannot be moved to “%(to)s” by you.") % {
            "from": case.get_status_display(), "to": CaseStage(stage).label if stage in CaseStage.values else stage},
            code="invalid_transition")
    return case_transition(actor=actor, case=case, name=found.name,
                           reason=reason or (str(_("Moved on the board.")) if found.needs_reason else ""))


def _notify_transition(case: DockingRequest, name: str, actor: User | None) -> None:
    others = [p for p in requester_side_people(case) + target_side_people(case) if actor is None or p.pk != actor.pk]
    runners = [case.broker] if case.broker and case.broker.is_active else list(_operators())
    runners = [p for p in runners if actor is None or p.pk != actor.pk]
    if name == "accept":
        _notify_all(requester_side_people(case), "docking/email/accepted", case)
        _notify_all(runners, "docking/email/accepted_runner", case)
    elif name == "decline":
        # The requester reads a polite notice; the reason stays with the platform.
        _notify_all(requester_side_people(case), "docking/email/declined", case)
    elif name == "stall":
        _notify_all(runners, "docking/email/stalled", case)
    else:
        _notify_all(others, "docking/email/stage", case)


@transaction.atomic
def case_assign_broker(*, actor: User, case: DockingRequest, broker: User | None, reason: str = "") -> DockingRequest:
    """Assign (or take off, with ``broker`` None) the case's broker; every assignment keeps its history
    row (from whom, to whom, why). Side effect: the new broker is notified."""
    if not policies.can_assign_broker(actor):
        raise PermissionDenied(_("Only operators assign brokers."))
    case = DockingRequest.objects.select_for_update().get(pk=case.pk)
    if broker is not None and not (broker.is_active and broker.platform_role in BROKER_ROLES):
        raise DomainError(_("Only an active technology broker or commissioner can run a case."),
                          code="validation_error", fields={"broker": [str(_("Not a broker."))]})
    if case.status in {CaseStage.DECLINED, CaseStage.CONTRACTED}:
        raise DomainError(_("The case is closed."), code="invalid_transition")
    if broker is not None and not policies.can_run(broker, case):
        message = str(_("A party of the case cannot be its broker."))
        raise DomainError(message, code="validation_error", fields={"broker": [message]})
    previous = case.broker
    if previous == broker:
        return case
    case.broker = broker
    case.save(update_fields=["broker", "updated_at"])
    CaseHistory.objects.create(
        case=case, kind=HistoryKind.ASSIGNMENT, actor=actor, reason=(reason or "").strip()[:2000],
        detail={"from": previous.pk if previous else None, "from_name": previous.full_name if previous else "",
                "to": broker.pk if broker else None, "to_name": broker.full_name if broker else ""},
    )
    if broker is not None:
        _notify_all([broker], "docking/email/assigned", case)
    return case


# --- The timeline ---------------------------------------------------------------------------------------

@transaction.atomic
def case_add_entry(*, actor: User, case: DockingRequest, kind: str, body: str = "",
                   starts_at: datetime | None = None, ends_at: datetime | None = None, location: str = "",
                   online_link: str = "", attendees: str = "", file: UploadedFile | None = None) -> CaseEntry:
    """A note, call, meeting, message or file on the case. New activity resumes a stalled case. A
    message or meeting notifies the other people of the case (never with contact details before
    consent: the parties may write only after it)."""
    case = DockingRequest.objects.select_for_update(of=("self",)).select_related(
        "requester", "expert", "demand", "challenge__demand", "target_organisation", "requester_organisation",
        "broker").get(pk=case.pk)
    if kind not in EntryKind.values:
        raise DomainError(_("Unknown kind of entry."), code="validation_error", fields={"kind": [str(_("Unknown."))]})
    if not policies.can_add_entry(actor, case, kind):
        raise PermissionDenied(_("You cannot add this to the case."))
    body = (body or "").strip()
    errors: dict[str, list[Any]] = {}
    if kind in {EntryKind.NOTE, EntryKind.CALL, EntryKind.MESSAGE} and not body:
        errors["body"] = [str(_("Write something."))]
    if kind == EntryKind.MEETING:
        if starts_at is None:
            errors["starts_at"] = [str(_("Give the meeting's start."))]
        elif ends_at is not None and ends_at <= starts_at:
            errors["ends_at"] = [str(_("The meeting must end after it starts."))]
        if not (location.strip() or online_link.strip()):
            errors["location"] = [str(_("Give a place or an online link."))]
    if kind == EntryKind.FILE:
        if file is None:
            errors["file"] = [str(_("Choose a file."))]
        elif file.size and file.size > MAX_FILE_BYTES:
            errors["file"] = [str(_("Files up to 20 MB."))]
    if len(body) > 5000:
        errors["body"] = [str(_("At most 5,000 characters."))]
    if errors:
        raise DomainError(_("Check the entry."), code="validation_error", fields=errors)
    entry = CaseEntry.objects.create(
        case=case, kind=kind, author=actor, body=body, starts_at=starts_at if kind == EntryKind.MEETING else None,
        ends_at=ends_at if kind == EntryKind.MEETING else None, location=location.strip()[:200],
        online_link=online_link.strip()[:200], attendees=attendees.strip()[:500],
        file=file if kind in {EntryKind.FILE, EntryKind.MEETING, EntryKind.NOTE} and file is not None else "",
    )
    case.last_activity_at = timezone.now()
    case.save(update_fields=["last_activity_at", "updated_at"])
    if case.status == CaseStage.STALLED:
        case_transition(actor=None, case=case, name="resume")
    if kind in {EntryKind.MESSAGE, EntryKind.MEETING, EntryKind.FILE}:
        people = requester_side_people(case) + target_side_people(case)
        if case.broker is not None:
            people.append(case.broker)
        _notify_all([p for p in people if p.pk != actor.pk], f"docking/email/{kind}", case, entry=entry)
    return entry


# --- Cooperation intents --------------------------------------------------------------------------------

@transaction.atomic
def intent_record(*, actor: User, case: DockingRequest | None = None, event_name: str = "", supply_party: str = "",
                  demand_party: str = "", scope: str, signed_on: date, cooperation_mode: CooperationMode | None = None,
                  estimated_amount: Decimal | None = None, currency: str = "CNY",
                  document: UploadedFile | None = None) -> CooperationIntent:
    """A cooperation intent (合作意向) on a case (parties default to its two sides) or at an event."""
    if not policies.can_record_intent(actor, case):
        raise PermissionDenied(_("You cannot record a cooperation intent here."))
    if case is not None:
        target = case.target_organisation.display_name if case.target_organisation else ""
        requester = (case.requester_organisation.display_name if case.requester_organisation
                     else case.requester.full_name)
        supply_side, demand_side = ((target, requester) if case.target_kind in {TargetKind.ACHIEVEMENT,
                                                                                  TargetKind.EXPERT}
                                    else (requester, target))
        supply_party = supply_party.strip() or str(supply_side)
        demand_party = demand_party.strip() or str(demand_side)
    errors: dict[str, list[Any]] = {}
    if case is None and not event_name.strip():
        errors["event_name"] = [str(_("Name the event, or record the intent on a case."))]
    if not supply_party.strip():
        errors["supply_party"] = [str(_("Name the technology side."))]
    if not demand_party.strip():
        errors["demand_party"] = [str(_("Name the enterprise side."))]
    if not (scope or "").strip():
        errors["scope"] = [str(_("Describe what the parties intend to do together."))]
    if estimated_amount is not None and estimated_amount < 0:
        errors["estimated_amount"] = [str(_("The amount cannot be negative."))]
    if signed_on > timezone.localdate():
        errors["signed_on"] = [str(_("The date cannot be in the future."))]
    if currency not in Currency.values:
        errors["currency"] = [str(_("Unknown currency."))]
    if document is not None and document.size and document.size > MAX_FILE_BYTES:
        errors["document"] = [str(_("Files up to 20 MB."))]
    if errors:
        raise DomainError(_("Check the cooperation intent."), code="validation_error", fields=errors)
    intent = CooperationIntent.objects.create(
        case=case, event_name=(event_name or (case.event_name if case else "")).strip()[:200],
        supply_party=supply_party.strip()[:200], demand_party=demand_party.strip()[:200], scope=scope.strip()[:2000],
        cooperation_mode=cooperation_mode, estimated_amount=estimated_amount, currency=currency, signed_on=signed_on,
        document=document or "", recorded_by=actor,
    )
    if case is not None:
        DockingRequest.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
        if case.status == CaseStage.STALLED:
            case_transition(actor=None, case=case, name="resume")
    return intent


# --- Brokers ----------------------------------------------------------------------------------------------

@transaction.atomic
def broker_profile_save(*, actor: User, user: User, level: str, fields: list[TechField] | None = None,
                        regions: list[Region] | None = None, organisation: Organisation | None = None,
                        bio: str = "", is_public: bool = True, accepts_cases: bool = True) -> BrokerProfile:
    """Create or update a broker's profile: the broker edits their own, except the level, which
    operators set (it follows the broker's certification). Without ``organisation`` the profile keeps
    its own, or a new one takes the broker's first organisation."""
    existing = BrokerProfile.objects.filter(user=user).first()
    if not (account_policies.is_operator(actor) or actor.pk == user.pk):
        raise PermissionDenied(_("You cannot edit this broker profile."))
    if user.platform_role not in BROKER_ROLES:
        raise DomainError(_("Only technology brokers and commissioners have a broker profile."),
                          code="not_a_broker")
    if level not in BrokerLevel.values:
        raise DomainError(_("Unknown level."), code="validation_error", fields={"level": [str(_("Unknown level."))]})
    if not account_policies.is_operator(actor):
        level = existing.level if existing else BrokerLevel.COMMISSIONER if user.platform_role == "commissioner" \
            else BrokerLevel.JUNIOR
    profile = existing or BrokerProfile(user=user)
    if organisation is None and existing is None:
        membership = user.memberships.select_related("organisation").first()
        organisation = membership.organisation if membership else None
    if organisation is not None:
        profile.organisation = organisation
    profile.level, profile.bio = level, (bio or "").strip()[:2000]
    profile.is_public, profile.accepts_cases = is_public, accepts_cases
    profile.save()
    if fields is not None:
        profile.fields.set(fields)
    if regions is not None:
        profile.regions.set(regions)
    return profile


def _own_profile(actor: User, profile: BrokerProfile) -> None:
    if not policies.can_edit_broker_profile(actor, profile):
        raise PermissionDenied(_("You cannot edit this broker profile."))


@transaction.atomic
def certificate_add(*, actor: User, profile: BrokerProfile, name: str, number: str = "", issuer: str = "",
                    issued_on: date | None = None, expires_on: date | None = None,
                    file: UploadedFile | None = None) -> BrokerCertificate:
    _own_profile(actor, profile)
    if not (name or "").strip():
        raise DomainError(_("Name the certificate."), code="validation_error",
                          fields={"name": [str(_("Name the certificate."))]})
    if issued_on and expires_on and expires_on <= issued_on:
        raise DomainError(_("A certificate expires after it is issued."), code="validation_error",
                          fields={"expires_on": [str(_("A certificate expires after it is issued."))]})
    return BrokerCertificate.objects.create(profile=profile, name=name.strip()[:200], number=number.strip()[:80],
                                            issuer=issuer.strip()[:200], issued_on=issued_on, expires_on=expires_on,
                                            file=file or "")


@transaction.atomic
def training_add(*, actor: User, profile: BrokerProfile, course: str, module: str, hours: Decimal,
                 completed_on: date) -> TrainingRecord:
    _own_profile(actor, profile)
    errors: dict[str, list[Any]] = {}
    if not (course or "").strip():
        errors["course"] = [str(_("Name the course."))]
    if module not in TrainingModule.values:
        errors["module"] = [str(_("Choose one of the four modules of the training outline."))]
    if hours is None or hours <= 0 or hours > 1000:
        errors["hours"] = [str(_("Hours between 0.5 and 1,000."))]
    if completed_on > timezone.localdate():
        errors["completed_on"] = [str(_("The date cannot be in the future."))]
    if errors:
        raise DomainError(_("Check the training record."), code="validation_error", fields=errors)
    return TrainingRecord.objects.create(profile=profile, course=course.strip()[:200], module=module, hours=hours,
                                         completed_on=completed_on)


# --- Service levels ---------------------------------------------------------------------------------------

def cases_check_service_levels(now: datetime | None = None) -> dict[str, int]:
    """The scheduled job (``duijie docking_sla``): a case idle for ``DUIJIE_DOCKING_STALL_DAYS`` is
    marked stalled; a case past its stage's working-day target reminds its broker (or, with none,
    the operators) and the operators, once per stage."""
    now = now or timezone.now()
    today = local_date(now)
    calendar = work_calendar()
    stalled = reminded = 0
    idle_since = now - timedelta(days=stall_days())
    running = [CaseStage.ACCEPTED, CaseStage.MEETING, CaseStage.NEGOTIATING, CaseStage.INTENT_SIGNED]
    for case in DockingRequest.objects.filter(status__in=running, last_activity_at__lt=idle_since):
        try:
            case_transition(actor=None, case=case, name="stall",
                            reason=str(_("No activity for %(days)d days.") % {"days": stall_days()}))
        except DomainError:
            continue  # activity came in meanwhile (checked again under the row's lock)
        stalled += 1
    for case in (DockingRequest.objects.filter(status__in=list(sla_days()))
                 .select_related("broker", "requester", "expert", "demand", "challenge__demand", "achievement")):
        due = sla_due(case, calendar)
        if due is None or today <= due:
            continue
        mark = f"{case.status}@{due.isoformat()}"
        if case.reminded_for == mark:
            continue
        with transaction.atomic():
            DockingRequest.objects.filter(pk=case.pk).update(reminded_for=mark)
            CaseHistory.objects.create(case=case, kind=HistoryKind.REMINDER, actor=None, from_status=case.status,
                                       to_status=case.status, detail={"due": due.isoformat()})
            people = list(_operators())
            if case.broker is not None and case.broker.is_active:
                people.insert(0, case.broker)
            if case.status == CaseStage.REQUESTED:
                people = target_side_people(case) + people
            _notify_all(people, "docking/email/overdue", case, due=due,
                        late=calendar.working_days_between(due, today))
        reminded += 1
    return {"stalled": stalled, "reminded": reminded}

