"""Every write to demands: content, the chain's transitions, confidentiality terms, brokers, expiry.

``demand_transition`` is the one place a status changes; its side effects per step:

- submit (the enterprise's confirmation): history row; ``confirmed_at``; e-mail to operators.
- publish: history row with the checklist; ``published_at`` on first publication; e-mail to the enterprise.
- return / reject: history row with the reason; e-mail to the enterprise with the reason.
- expire (``demands_expire``, the scheduled job): history row without actor; e-mail to the enterprise.
- the others: history row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies as account_policies
from duijie.accounts.models import Organisation, User
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.mail import send_templated_mail
from duijie.core.text import normalise_for_search
from duijie.demand import policies
from duijie.demand.enums import (
    OPEN_STATUSES,
    BudgetType,
    Confidentiality,
    DemandSource,
    DemandStatus,
    HistoryKind,
)
from duijie.demand.models import Demand, DemandHistory, DemandTranslation, TargetIndicator, TermsAcceptance
from duijie.demand.workflow import TRANSITIONS, ScreeningCheck
from duijie.supply.enums import ContentLanguage, Currency
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField

MAX_INDICATORS = 20
EXPIRY_NOTICE_DAYS = 7


@dataclass
class IndicatorData:
    name: str
    value: str
    unit: str = ""


@dataclass
class DemandData:
    """Everything an enterprise (or a commissioner) enters; forms, the API and imports build one."""

    title: str
    summary: str
    language: str = "zh-hans"
    description: str = ""
    problem: str = ""
    confidentiality: str = Confidentiality.PUBLIC
    field_ids: list[int] = field(default_factory=list)
    industry_id: int | None = None
    cooperation_mode_ids: list[int] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)
    trl_needed: int | None = None
    budget_type: str = BudgetType.NEGOTIABLE
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    currency: str = "CNY"
    deadline: date | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    external_id: str = ""
    indicators: list[IndicatorData] = field(default_factory=list)
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)  # language -> (title, summary)


SCALAR_FIELDS = (
    "title", "summary", "language", "description", "problem", "confidentiality", "industry_id", "trl_needed",
    "budget_type", "budget_min", "budget_max", "currency", "deadline", "contact_name", "contact_phone",
    "contact_email", "external_id",
)


def stage_for_trl(trl: int | None) -> str:
    if trl is None:
        return ""
    return "early" if trl <= 3 else "middle" if trl <= 6 else "mature"


def _validate(data: DemandData, *, today: date | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(str(message))

    if not data.title.strip():
        add("title", _("Give the demand a title."))
    if not data.summary.strip():
        add("summary", _("Write a short summary; it is what everyone sees."))
    if data.language not in ContentLanguage.values:
        add("language", _("Choose a language."))
    if data.confidentiality not in Confidentiality.values:
        add("confidentiality", _("Choose who may see the demand."))
    if not data.field_ids:
        add("field_ids", _("Choose at least one technology field."))
    elif TechField.objects.filter(pk__in=data.field_ids, is_active=True).count() != len(set(data.field_ids)):
        add("field_ids", _("Unknown technology field."))
    if data.industry_id is not None and not Industry.objects.filter(pk=data.industry_id).exists():
        add("industry_id", _("Unknown industry."))
    if CooperationMode.objects.filter(pk__in=data.cooperation_mode_ids).count() != len(set(data.cooperation_mode_ids)):
        add("cooperation_mode_ids", _("Unknown cooperation mode."))
    if Region.objects.filter(pk__in=data.region_ids).count() != len(set(data.region_ids)):
        add("region_ids", _("Unknown region."))
    if data.trl_needed is not None and not 1 <= data.trl_needed <= 9:
        add("trl_needed", _("The technology readiness level is a whole number from 1 to 9."))
    if data.currency not in Currency.values:
        add("currency", _("Choose a currency."))
    if data.budget_type == BudgetType.RANGE:
        if data.budget_min is None:
            add("budget_min", _("Give the lower end of the budget, or choose “negotiable”."))
        elif data.budget_min < 0:
            add("budget_min", _("A budget cannot be negative."))
        if data.budget_min is not None and data.budget_max is not None and data.budget_max < data.budget_min:
            add("budget_max", _("The upper end is below the lower end."))
    elif data.budget_type != BudgetType.NEGOTIABLE:
        add("budget_type", _("Choose a budget type."))
    if data.deadline is not None and data.deadline < (today or timezone.localdate()):
        add("deadline", _("The deadline is in the past."))
    if len(data.indicators) > MAX_INDICATORS:
        add("indicators", _("At most %(n)d target indicators.") % {"n": MAX_INDICATORS})
    for i, indicator in enumerate(data.indicators):
        if not indicator.name.strip() or not indicator.value.strip():
            add(f"indicators.{i}", _("Give each indicator a name and a target value."))
    for language in data.translations:
        if language not in ContentLanguage.values:
            add("translations", _("Unknown language."))
    return errors


def demand_data_errors(*, data: DemandData) -> dict[str, list[str]]:
    """What ``demand_create`` would refuse in ``data``, by field (the import reports it per row)."""
    return _validate(data)


def _texts(demand: Demand, translations: list[tuple[str, str]], indicators: list[IndicatorData]) -> tuple[str, str]:
    """(search text of every word, text the tier shows to anyone), both normalised."""
    summary_parts = [demand.title, demand.summary, *[p for pair in translations for p in pair]]
    details = [demand.description, demand.problem, *[f"{i.name} {i.value} {i.unit}" for i in indicators]]
    full = normalise_for_search(" ".join(summary_parts + details))
    if demand.confidentiality == Confidentiality.PUBLIC:
        public = full
    elif demand.confidentiality == Confidentiality.SUMMARY:
        public = normalise_for_search(" ".join(summary_parts))
    else:
        public = ""
    return full, public


def _apply(demand: Demand, data: DemandData) -> None:
    for name in SCALAR_FIELDS:
        setattr(demand, name, getattr(data, name))
    demand.title = demand.title.strip()
    demand.summary = demand.summary.strip()
    if demand.budget_type == BudgetType.NEGOTIABLE:
        demand.budget_min = demand.budget_max = None
    demand.stage = stage_for_trl(demand.trl_needed)


def _save_relations(demand: Demand, data: DemandData) -> None:
    demand.fields.set(data.field_ids)
    demand.cooperation_modes.set(data.cooperation_mode_ids)
    demand.regions.set(data.region_ids)
    demand.translations.all().delete()
    translations = [(lang, (t.strip(), s.strip())) for lang, (t, s) in data.translations.items()
                    if lang != demand.language and t.strip()]
    DemandTranslation.objects.bulk_create([
        DemandTranslation(demand=demand, language=lang, title=title, summary=summary)
        for lang, (title, summary) in translations
    ])
    demand.indicators.all().delete()
    TargetIndicator.objects.bulk_create([
        TargetIndicator(demand=demand, name=i.name.strip(), value=i.value.strip(), unit=i.unit.strip(), sort_order=n)
        for n, i in enumerate(data.indicators)
    ])
    demand.search_text, demand.public_text = _texts(demand, [pair for _lang, pair in translations], data.indicators)
    demand.save(update_fields=["search_text", "public_text"])


def _full_clean(demand: Demand) -> None:
    try:
        demand.full_clean(exclude=["search_text", "public_text", "organisation", "created_by"])
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise DomainError(exc.messages[0], code="validation_error", fields=fields) from exc


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)


def _save(demand: Demand) -> None:
    try:
        with transaction.atomic():
            demand.save()
    except IntegrityError as exc:
        message = str(_("Another demand of this enterprise already uses this external id."))
        raise DomainError(message, code="validation_error", fields={"external_id": [message]}) from exc


@transaction.atomic
def demand_create(*, actor: User, organisation: Organisation, data: DemandData,
                  source: str | None = None) -> Demand:
    """Collect a demand (status "collected"). Recorded by someone outside the enterprise (a
    commissioner after a visit, an operator), it waits for the enterprise to confirm and submit it.
    Side effects: none until it is submitted."""
    if not policies.can_create_demand_for(actor, organisation):
        raise PermissionDenied(_("Demands are added by members of the enterprise, commissioners and operators."))
    _raise_if(_validate(data))
    demand = Demand(organisation=organisation, created_by=actor)
    demand.source = source or (DemandSource.SELF if account_policies.is_org_member(actor, organisation)
                               else DemandSource.VISIT)
    _apply(demand, data)
    _full_clean(demand)
    _save(demand)
    _save_relations(demand, data)
    return demand


def _relation_snapshot(demand: Demand) -> dict[str, Any]:
    return {
        "fields": sorted(demand.fields.values_list("pk", flat=True)),
        "cooperation_modes": sorted(demand.cooperation_modes.values_list("pk", flat=True)),
        "regions": sorted(demand.regions.values_list("pk", flat=True)),
        "indicators": list(demand.indicators.values_list("name", "value", "unit")),
        "translations": sorted(demand.translations.values_list("language", "title", "summary")),
    }


@transaction.atomic
def demand_update(*, actor: User, demand: Demand, data: DemandData) -> Demand:
    """Change the content: owners while collected, operators at any time (recorded as an edit)."""
    demand = Demand.objects.select_for_update().select_related("organisation").get(pk=demand.pk)
    if not policies.can_edit_demand(actor, demand):
        raise PermissionDenied(_("This demand can no longer be changed; ask the platform operators."))
    # A past deadline that is not being changed stays allowed on an existing demand.
    errors = _validate(data, today=min(timezone.localdate(), demand.deadline or timezone.localdate()))
    _raise_if(errors)
    before = {name: getattr(demand, name) for name in SCALAR_FIELDS}
    before_relations = _relation_snapshot(demand)
    _apply(demand, data)
    _full_clean(demand)
    _save(demand)
    _save_relations(demand, data)
    changed = [name for name in SCALAR_FIELDS if getattr(demand, name) != before[name]]
    changed += [name for name, value in _relation_snapshot(demand).items() if value != before_relations[name]]
    if changed:
        DemandHistory.objects.create(demand=demand, kind=HistoryKind.EDIT, actor=actor, from_status=demand.status,
                                     to_status=demand.status, detail={"fields": changed})
    return demand


@transaction.atomic
def demand_transition(*, actor: User | None, demand: Demand, name: str, reason: str = "",
                      checklist: list[str] | None = None) -> Demand:
    """Move a demand along the chain (``workflow.py``); ``actor`` None is the scheduled job.
    A refused transition changes nothing."""
    demand = Demand.objects.select_for_update().select_related("organisation").get(pk=demand.pk)
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(_("Unknown action."), code="unknown_transition")
    if demand.status not in transition.sources:
        raise DomainError(
            _("This cannot be done while the demand is “%(status)s”.") % {"status": demand.get_status_display()},
            code="invalid_transition",
        )
    if not transition.allowed(actor, demand):
        raise PermissionDenied(_("Only %(who)s can do this.") % {"who": transition.who})
    reason = reason.strip()
    if transition.needs_reason and not reason:
        message = str(_("Give a reason; the enterprise will read it."))
        raise DomainError(message, code="reason_required", fields={"reason": [message]})
    ticked = sorted(set(checklist or []) & set(ScreeningCheck.ITEMS))
    if transition.needs_checklist:
        missing = [key for key in ScreeningCheck.ITEMS if key not in ticked]
        if missing:
            raise DomainError(_("Tick every item of the screening checklist before publishing."),
                              code="checklist_incomplete",
                              fields={"checklist": [str(ScreeningCheck.ITEMS[k]) for k in missing]})
    if name == "publish" and demand.deadline is not None and demand.deadline < timezone.localdate():
        message = str(_("The deadline has passed; the enterprise must set a new one first."))
        raise DomainError(message, code="deadline_passed", fields={"deadline": [message]})
    old = demand.status
    demand.status = transition.target
    changed = ["status", "updated_at"]
    if name == "submit" and demand.confirmed_at is None:
        demand.confirmed_at = timezone.now()
        changed.append("confirmed_at")
    if transition.target == DemandStatus.PUBLISHED and demand.published_at is None:
        demand.published_at = timezone.now()
        changed.append("published_at")
    if name == "reopen":
        demand.expiry_notice_sent_on = None
        changed.append("expiry_notice_sent_on")
    demand.save(update_fields=changed)
    DemandHistory.objects.create(
        demand=demand, kind=HistoryKind.TRANSITION, actor=actor, from_status=old, to_status=transition.target,
        reason=reason, detail={"checklist": ticked} if ticked else {},
    )
    _notify_transition(demand, name, reason)
    return demand


def _enterprise_people(demand: Demand) -> Any:
    return User.objects.filter(memberships__organisation=demand.organisation, is_active=True).distinct()


def _notify_transition(demand: Demand, name: str, reason: str) -> None:
    path = reverse("demand:detail", args=[demand.pk])
    if name == "submit":
        for operator in User.objects.filter(platform_role="operator", is_active=True):
            send_templated_mail(to=operator.email, template="demand/email/submitted",
                                context={"demand": demand, "path": reverse("demand:screening")},
                                language=operator.preferred_language)
    elif name in ("publish", "return", "reject", "expire"):
        template = {"publish": "published", "return": "returned", "reject": "rejected", "expire": "expired"}[name]
        for member in _enterprise_people(demand):
            send_templated_mail(to=member.email, template=f"demand/email/{template}",
                                context={"demand": demand, "reason": reason, "path": path},
                                language=member.preferred_language)


@transaction.atomic
def demand_accept_terms(*, actor: User, demand: Demand) -> TermsAcceptance:
    """Record that ``actor`` accepted the confidentiality terms (current version) of a summary-only
    demand: its details open to them."""
    if not policies.can_accept_terms(actor, demand):
        raise PermissionDenied(_("There are no terms to accept for this demand."))
    acceptance, _created = TermsAcceptance.objects.get_or_create(demand=demand, user=actor,
                                                                 version=policies.TERMS_VERSION)
    return acceptance


@transaction.atomic
def demand_assign_brokers(*, actor: User, demand: Demand, broker_ids: list[int]) -> Demand:
    """Set the brokers of a demand (they see it whatever its tier); the change is recorded."""
    if not policies.can_assign_brokers(actor):
        raise PermissionDenied()
    from duijie.accounts.enums import BROKER_ROLES

    brokers = list(User.objects.filter(pk__in=broker_ids, platform_role__in=BROKER_ROLES, is_active=True))
    if len(brokers) != len(set(broker_ids)):
        message = str(_("Only technology brokers and commissioners can be assigned."))
        raise DomainError(message, code="validation_error", fields={"brokers": [message]})
    before = sorted(demand.brokers.values_list("pk", flat=True))
    demand.brokers.set(brokers)
    after = sorted(b.pk for b in brokers)
    if before != after:
        DemandHistory.objects.create(demand=demand, kind=HistoryKind.BROKER, actor=actor, from_status=demand.status,
                                     to_status=demand.status, detail={"before": before, "after": after})
    return demand


def demands_expire(*, today: date | None = None) -> dict[str, int]:
    """The daily job: a notice to the enterprise a week before an open demand's deadline (once), and
    "expired" for open demands whose deadline has passed. Returns what it did."""
    today = today or timezone.localdate()
    noticed = expired = 0
    due = Demand.objects.filter(status__in=OPEN_STATUSES, deadline__isnull=False)
    for demand in due.filter(deadline__lt=today).select_related("organisation"):
        demand_transition(actor=None, demand=demand, name="expire",
                          reason=str(_("The deadline (%(date)s) has passed.") % {"date": demand.deadline}))
        expired += 1
    soon = due.filter(deadline__gte=today, deadline__lte=today + timedelta(days=EXPIRY_NOTICE_DAYS),
                      expiry_notice_sent_on__isnull=True).select_related("organisation")
    for demand in soon:
        with transaction.atomic():
            if Demand.objects.filter(pk=demand.pk, expiry_notice_sent_on__isnull=True).update(
                    expiry_notice_sent_on=today):
                for member in _enterprise_people(demand):
                    send_templated_mail(to=member.email, template="demand/email/expiring",
                                        context={"demand": demand, "path": reverse("demand:detail", args=[demand.pk])},
                                        language=member.preferred_language)
                noticed += 1
    return {"noticed": noticed, "expired": expired}


# --- Open challenges (揭榜挂帅) ---------------------------------------------------------------------
# The stages run in the order of ChallengeStage; ``challenge_advance`` moves one stage at a time and
# checks what the next stage needs. The application window is enforced on server time.

from duijie.accounts.enums import OrganisationType  # noqa: E402
from duijie.demand.enums import (  # noqa: E402
    BOARD_STATUSES,
    CHALLENGE_ORDER,
    ApplicationStatus,
    ChallengeStage,
)
from duijie.demand.models import (  # noqa: E402
    Application,
    Challenge,
    ChallengeHistory,
    ConflictDeclaration,
    Criterion,
    Objection,
    Reviewer,
    Score,
)

PUBLICITY_DAYS = 5


@dataclass
class ChallengeData:
    bounty: Decimal
    bounty_payer: str
    opens_at: Any  # aware datetime
    closes_at: Any
    criteria: list[tuple[str, int]]  # (name, weight), weights add up to 100
    currency: str = "CNY"
    subsidy: Decimal | None = None
    subsidy_source: str = ""
    eligible_kinds: list[str] = field(default_factory=list)
    eligible_region_ids: list[int] = field(default_factory=list)
    required_documents: list[str] = field(default_factory=list)
    announcement: str = ""


@dataclass
class ApplicationData:
    proposal: str
    technical_route: str
    budget: Decimal
    timeline: str
    team: str


def _challenge_errors(data: ChallengeData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(str(message))

    if data.bounty is None or data.bounty <= 0:
        add("bounty", _("The bounty must be a positive amount."))
    if not data.bounty_payer.strip():
        add("bounty_payer", _("Say who pays the bounty."))
    if data.subsidy is not None and data.subsidy < 0:
        add("subsidy", _("A subsidy cannot be negative."))
    if data.currency not in Currency.values:
        add("currency", _("Choose a currency."))
    if not data.opens_at or not data.closes_at or data.closes_at <= data.opens_at:
        add("closes_at", _("Applications must close after they open."))
    unknown = [k for k in data.eligible_kinds if k not in OrganisationType.values]
    if unknown:
        add("eligible_kinds", _("Unknown organisation type."))
    if Region.objects.filter(pk__in=data.eligible_region_ids).count() != len(set(data.eligible_region_ids)):
        add("eligible_region_ids", _("Unknown region."))
    if not data.criteria:
        add("criteria", _("Give the evaluation rubric at least one criterion."))
    elif any(not name.strip() or not 1 <= weight <= 100 for name, weight in data.criteria):
        add("criteria", _("Each criterion needs a name and a weight from 1 to 100."))
    elif sum(weight for _name, weight in data.criteria) != 100:
        add("criteria", _("The weights add up to %(sum)d; they must add up to 100.")
            % {"sum": sum(weight for _name, weight in data.criteria)})
    return errors


def _write_challenge(challenge: Challenge, data: ChallengeData) -> None:
    for name in ("bounty", "bounty_payer", "opens_at", "closes_at", "currency", "subsidy", "subsidy_source",
                 "eligible_kinds", "required_documents", "announcement"):
        setattr(challenge, name, getattr(data, name))
    challenge.bounty_payer = challenge.bounty_payer.strip()
    challenge.required_documents = [d.strip() for d in data.required_documents if d.strip()]
    challenge.save()
    challenge.eligible_regions.set(data.eligible_region_ids)
    challenge.criteria.all().delete()
    Criterion.objects.bulk_create([Criterion(challenge=challenge, name=name.strip(), weight=weight, sort_order=n)
                                   for n, (name, weight) in enumerate(data.criteria)])


@transaction.atomic
def challenge_create(*, actor: User, demand: Demand, data: ChallengeData) -> Challenge:
    """Run a demand as an open challenge (stage "demand collection")."""
    if not policies.can_create_challenge(actor, demand):
        raise PermissionDenied(_("Challenges are set by the enterprise or the platform operators."))
    if Challenge.objects.filter(demand=demand).exists():
        raise DomainError(_("This demand already runs as a challenge."), code="already_a_challenge")
    _raise_if(_challenge_errors(data))
    challenge = Challenge(demand=demand)
    _write_challenge(challenge, data)
    ChallengeHistory.objects.create(challenge=challenge, actor=actor, to_stage=challenge.stage)
    return challenge


@transaction.atomic
def challenge_update(*, actor: User, challenge: Challenge, data: ChallengeData) -> Challenge:
    """Change the terms: only before the list is published (发榜); afterwards they are public promises."""
    challenge = Challenge.objects.select_for_update().select_related("demand__organisation").get(pk=challenge.pk)
    if not policies.can_create_challenge(actor, challenge.demand):
        raise PermissionDenied()
    if CHALLENGE_ORDER.index(challenge.stage) >= CHALLENGE_ORDER.index(ChallengeStage.ANNOUNCED):
        raise DomainError(_("The list is published: its terms can no longer change."), code="challenge_published")
    _raise_if(_challenge_errors(data))
    _write_challenge(challenge, data)
    return challenge


def _live_applications(challenge: Challenge) -> Any:
    return challenge.applications.filter(status=ApplicationStatus.SUBMITTED)


@transaction.atomic
def challenge_advance(*, actor: User, challenge: Challenge, note: str = "", now: Any = None) -> Challenge:
    """Move a challenge to its next stage (operators). Refused, with the reason, when the next stage's
    conditions are not met; the challenge stays as it was."""
    from duijie.demand import selectors

    now = now or timezone.now()
    challenge = Challenge.objects.select_for_update().select_related("demand").get(pk=challenge.pk)
    if not policies.can_manage_challenge(actor):
        raise PermissionDenied(_("Only the platform operators move a challenge along."))
    index = CHALLENGE_ORDER.index(challenge.stage)
    if index == len(CHALLENGE_ORDER) - 1:
        raise DomainError(_("The winner is announced: the challenge is complete."), code="invalid_transition")
    target = CHALLENGE_ORDER[index + 1]

    def refuse(message: Any) -> None:
        raise DomainError(str(message), code="stage_conditions")

    changed = ["stage"]
    if target == ChallengeStage.ANNOUNCED:
        if challenge.demand.status not in BOARD_STATUSES or challenge.demand.confidentiality == Confidentiality.PRIVATE:
            refuse(_("Publish the demand (not private) before publishing the list."))
        if not challenge.announcement.strip():
            refuse(_("Write the public announcement first."))
    if target == ChallengeStage.EVALUATION:
        if now < challenge.closes_at:
            refuse(_("Applications are open until %(time)s; evaluate after that.")
                   % {"time": timezone.localtime(challenge.closes_at).strftime("%Y-%m-%d %H:%M")})
        if not challenge.reviewers.exists():
            refuse(_("Assign the review panel first."))
    if target == ChallengeStage.PUBLICITY:
        ranking = selectors.challenge_ranking(challenge=challenge)
        scored = [row for row in ranking if row.reviewers]
        if not scored:
            refuse(_("No application has been scored yet."))
        missing = selectors.missing_reviews(challenge=challenge)
        if missing:
            refuse(_("%(n)d reviews are still missing (declaration or scores).") % {"n": len(missing)})
        challenge.winner = scored[0].application
        challenge.publicity_ends_at = now + timedelta(days=PUBLICITY_DAYS)
        changed += ["winner", "publicity_ends_at"]
    if target == ChallengeStage.AWARDED:
        if challenge.publicity_ends_at is None or now < challenge.publicity_ends_at:
            refuse(_("The publicity period has not ended yet."))
        if challenge.objections.filter(resolved_at__isnull=True).exists():
            refuse(_("Resolve every objection first."))
        if challenge.winner is None:
            refuse(_("There is no winner to announce."))
        challenge.result_notice = note.strip() or challenge.result_notice
        changed.append("result_notice")
    old = challenge.stage
    challenge.stage = target
    challenge.save(update_fields=changed)
    ChallengeHistory.objects.create(challenge=challenge, actor=actor, from_stage=old, to_stage=target,
                                    note=note.strip())
    return challenge


@transaction.atomic
def application_submit(*, actor: User, challenge: Challenge, organisation: Organisation, data: ApplicationData,
                       now: Any = None) -> Application:
    """A team applies (揭榜) for its organisation, inside the window (server time), if eligible."""
    now = now or timezone.now()
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    if not account_policies.is_org_member(actor, organisation):
        raise PermissionDenied(_("Apply on behalf of an organisation you belong to."))
    if not (challenge.opens_at <= now < challenge.closes_at) or challenge.stage not in (
            ChallengeStage.ANNOUNCED, ChallengeStage.MATCHMAKING, ChallengeStage.TALKS, ChallengeStage.SUBMISSION):
        raise DomainError(_("Applications are accepted from %(opens)s until %(closes)s only.") % {
            "opens": timezone.localtime(challenge.opens_at).strftime("%Y-%m-%d %H:%M"),
            "closes": timezone.localtime(challenge.closes_at).strftime("%Y-%m-%d %H:%M")}, code="window_closed")
    if not policies.is_eligible(organisation, challenge):
        raise DomainError(_("This challenge is open to other organisation types or regions."), code="not_eligible")
    if organisation.pk == challenge.demand.organisation_id:
        raise DomainError(_("The enterprise that set the challenge cannot apply for it."), code="not_eligible")
    errors: dict[str, list[str]] = {}
    for name in ("proposal", "technical_route", "timeline", "team"):
        if not str(getattr(data, name)).strip():
            errors[name] = [str(_("This field is required."))]
    if data.budget is None or data.budget < 0:
        errors["budget"] = [str(_("Give the budget you need."))]
    _raise_if(errors)
    if _live_applications(challenge).filter(organisation=organisation).exists():
        raise DomainError(_("Your organisation has applied already; withdraw that application to apply again."),
                          code="already_applied")
    return Application.objects.create(
        challenge=challenge, organisation=organisation, submitted_by=actor, proposal=data.proposal.strip(),
        technical_route=data.technical_route.strip(), budget=data.budget, timeline=data.timeline.strip(),
        team=data.team.strip(), submitted_at=now,
    )


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, now: Any = None) -> Application:
    now = now or timezone.now()
    application = Application.objects.select_for_update().select_related("challenge").get(pk=application.pk)
    if not account_policies.is_org_member(actor, application.organisation):
        raise PermissionDenied()
    if application.status != ApplicationStatus.SUBMITTED:
        raise DomainError(_("This application is already withdrawn."), code="invalid_transition")
    if now >= application.challenge.closes_at:
        raise DomainError(_("The application window has closed: applications can no longer be withdrawn."),
                          code="window_closed")
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = now
    application.save(update_fields=["status", "withdrawn_at"])
    return application


@transaction.atomic
def reviewer_assign(*, actor: User, challenge: Challenge, user: User) -> Reviewer:
    if not policies.can_manage_challenge(actor):
        raise PermissionDenied()
    if CHALLENGE_ORDER.index(challenge.stage) > CHALLENGE_ORDER.index(ChallengeStage.EVALUATION):
        raise DomainError(_("The evaluation is over."), code="invalid_transition")
    reviewer, _created = Reviewer.objects.get_or_create(challenge=challenge, user=user,
                                                        defaults={"assigned_by": actor})
    return reviewer


def _reviewer_of(actor: User, application: Application) -> Reviewer:
    application.refresh_from_db(fields=["status"])
    application.challenge = Challenge.objects.get(pk=application.challenge_id)  # its stage as it is now
    reviewer = Reviewer.objects.filter(challenge=application.challenge, user=actor).first()
    if reviewer is None:
        raise PermissionDenied(_("Only the challenge's reviewers do this."))
    if application.challenge.stage != ChallengeStage.EVALUATION:
        raise DomainError(_("Reviews are given during the evaluation only."), code="invalid_transition")
    if application.status != ApplicationStatus.SUBMITTED:
        raise DomainError(_("This application was withdrawn."), code="invalid_transition")
    return reviewer


@transaction.atomic
def conflict_declare(*, actor: User, application: Application, conflicted: bool, note: str = "") -> ConflictDeclaration:
    """A reviewer declares, before scoring an application, whether they have a conflict of interest.
    A declaration stands once scores are given; a conflict removes the reviewer from that application."""
    reviewer = _reviewer_of(actor, application)
    if Score.objects.filter(reviewer=reviewer, application=application).exists():
        raise DomainError(_("You have scored this application; the declaration stands."), code="already_scored")
    declaration, _created = ConflictDeclaration.objects.update_or_create(
        reviewer=reviewer, application=application, defaults={"conflicted": conflicted, "note": note.strip()})
    return declaration


@transaction.atomic
def scores_submit(*, actor: User, application: Application, values: dict[int, tuple[Decimal, str]]) -> list[Score]:
    """A reviewer's scores (0–100) and comments on every criterion of one application."""
    reviewer = _reviewer_of(actor, application)
    declaration = ConflictDeclaration.objects.filter(reviewer=reviewer, application=application).first()
    if declaration is None:
        raise DomainError(_("Declare first whether you have a conflict of interest with this applicant."),
                          code="declaration_missing")
    if declaration.conflicted:
        raise PermissionDenied(_("You declared a conflict of interest: you cannot score this application."))
    criteria = list(application.challenge.criteria.all())
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        entry = values.get(criterion.pk)
        if entry is None or entry[0] is None or not Decimal(0) <= Decimal(entry[0]) <= Decimal(100):
            errors[f"criterion.{criterion.pk}"] = [str(_("A score from 0 to 100."))]
    if set(values) - {c.pk for c in criteria}:
        errors["criteria"] = [str(_("Unknown criterion."))]
    _raise_if(errors)
    scores = []
    for criterion in criteria:
        given, comment = values[criterion.pk]
        score, _created = Score.objects.update_or_create(
            reviewer=reviewer, application=application, criterion=criterion,
            defaults={"value": Decimal(given), "comment": comment.strip()})
        scores.append(score)
    return scores


@transaction.atomic
def objection_raise(*, actor: User, challenge: Challenge, text: str, now: Any = None) -> Objection:
    now = now or timezone.now()
    if not account_policies.is_authenticated(actor):
        raise PermissionDenied()
    if challenge.stage != ChallengeStage.PUBLICITY or challenge.publicity_ends_at is None or \
            now >= challenge.publicity_ends_at:
        raise DomainError(_("Objections are taken during the publicity period only."), code="window_closed")
    if not text.strip():
        message = str(_("Say what the objection is."))
        raise DomainError(message, code="validation_error", fields={"text": [message]})
    return Objection.objects.create(challenge=challenge, raised_by=actor, text=text.strip())


@transaction.atomic
def objection_resolve(*, actor: User, objection: Objection, resolution: str) -> Objection:
    if not policies.can_manage_challenge(actor):
        raise PermissionDenied()
    if not resolution.strip():
        message = str(_("Say how the objection was resolved."))
        raise DomainError(message, code="validation_error", fields={"resolution": [message]})
    objection.resolution = resolution.strip()
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    ChallengeHistory.objects.create(challenge=objection.challenge, actor=actor, from_stage=objection.challenge.stage,
                                    to_stage=objection.challenge.stage, note=resolution.strip())
    return objection


# --- Files ---------------------------------------------------------------------------------------

from django.core.files.uploadedfile import UploadedFile  # noqa: E402

from duijie.demand.models import ApplicationAttachment, DemandAttachment  # noqa: E402
from duijie.supply.services import checked_upload  # noqa: E402


@transaction.atomic
def demand_attachment_add(*, actor: User, demand: Demand, upload: UploadedFile) -> DemandAttachment:
    """A PDF or image with the demand's details (stored privately, shown as the tier allows)."""
    if not policies.can_edit_demand(actor, demand):
        raise PermissionDenied()
    _kind, extension, original = checked_upload(upload)
    attachment = DemandAttachment(demand=demand, original_name=original, size=upload.size or 0)
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def application_attachment_add(*, actor: User, application: Application, document: str, upload: UploadedFile,
                               now: Any = None) -> ApplicationAttachment:
    """A document of an application, until the window closes."""
    now = now or timezone.now()
    application = Application.objects.select_related("challenge", "organisation").get(pk=application.pk)
    if not account_policies.is_org_member(actor, application.organisation):
        raise PermissionDenied()
    if application.status != ApplicationStatus.SUBMITTED or now >= application.challenge.closes_at:
        raise DomainError(_("The application window has closed."), code="window_closed")
    _kind, extension, original = checked_upload(upload)
    attachment = ApplicationAttachment(application=application, document=document.strip()[:200] or original,
                                       original_name=original, size=upload.size or 0)
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    return attachment
