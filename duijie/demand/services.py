"""Every write to demands: content, the chain's transitions, confidentiality terms, brokers, expiry.

``demand_transition`` is the one place a status changes; its side effects per step:

- submit (the enterprise's confirmation): history row; ``confirmed_at``; e-mail to operators.
- publish: history row with the checklist; ``published_at`` on first publication; e-mail to the enterprise.
- return / reject: history row with the reason; e-mail to the enterprise with the reason.
- expire (``demands_expire``, the scheduled job): history row without actor; e-mail to the enterprise.
- the others: history row.
"""

from __future__ import annotations

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
