"""The demand API: the public board, one demand as its tier allows, the chain, terms, brokers.

Reads go through ``selectors`` (the tier is decided there, once: ``demand_view``), writes through
``services``. A detail the caller may not see is ``null``, never its value.
"""

# No ``from __future__ import annotations``: django-ninja reads the annotations at import.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Form, Query, Router, Schema, Status, UploadedFile
from ninja import File as NinjaFile
from ninja.pagination import paginate

from duijie.core.api import AUTH_REQUIRED, ErrorOut, PagePagination
from duijie.core.errors import DomainError, PermissionDenied
from duijie.demand import policies, selectors, services, workflow
from duijie.demand.enums import BudgetType, Confidentiality
from duijie.demand.models import Demand
from duijie.supply.enums import ContentLanguage, Currency
from duijie.taxonomy.models import CooperationMode, Industry, Region, TechField

router = Router(tags=["demand"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DemandListOut(Schema):
    id: int
    title: str
    summary: str
    language: str
    enterprise: str
    fields: list[str] = Field(description="Technology field codes.")
    status: str
    confidentiality: str
    published_at: datetime | None

    next_step: str = Field("", description="What happens next (in “my demands”; empty on the board).")

    @staticmethod
    def resolve_enterprise(obj: Demand) -> str:
        return str(obj.organisation.display_name)

    @staticmethod
    def resolve_fields(obj: Demand) -> list[str]:
        return [f.code for f in obj.fields.all()]

    @staticmethod
    def resolve_next_step(obj: Demand, context: dict[str, Any]) -> str:
        request = context["request"]
        if not policies.is_privileged(request.user, obj):
            return ""
        return str(workflow.NEXT_STEP.get(obj.status, ""))


class IndicatorOut(Schema):
    name: str
    value: str
    unit: str


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class DemandDetailOut(Schema):
    id: int
    title: str
    summary: str
    language: str
    enterprise: str
    fields: list[str] = Field(description="Technology field codes.")
    status: str
    confidentiality: str
    published_at: datetime | None
    details_visible: bool = Field(description="False for a summary-only demand until the caller accepts its terms.")
    can_accept_terms: bool
    terms_version: str
    translations: list[dict[str, str]]
    problem: str | None
    description: str | None
    indicators: list[IndicatorOut] | None
    industry: str | None
    cooperation_modes: list[str] | None
    regions: list[str] | None
    trl_needed: int | None
    budget_type: str | None
    budget_min: Decimal | None
    budget_max: Decimal | None
    currency: str | None
    deadline: date | None
    attachments: list[dict[str, Any]] | None = Field(description="Name, size and download path, with the details.")
    contact: ContactOut | None = Field(description="The enterprise, operators and assigned brokers only.")
    transitions: list[str] = Field(description="The chain's actions the caller may take now.")


def _detail(request: HttpRequest, demand: Demand) -> dict[str, Any]:
    view = selectors.demand_view(user=request.user, demand=demand)
    out: dict[str, Any] = {
        "id": demand.pk, "title": demand.title, "summary": demand.summary, "language": demand.language,
        "enterprise": str(demand.organisation.display_name), "fields": [f.code for f in demand.fields.all()],
        "status": demand.status, "confidentiality": demand.confidentiality, "published_at": demand.published_at,
        "details_visible": view.details, "can_accept_terms": view.can_accept_terms,
        "terms_version": policies.TERMS_VERSION,
        "translations": [{"language": t.language, "title": t.title, "summary": t.summary}
                         for t in demand.translations.all()],
        "transitions": [t.name for t in workflow.available_transitions(request.user, demand)],
        "contact": {"name": demand.contact_name, "phone": demand.contact_phone, "email": demand.contact_email}
        if view.contact else None,
    }
    hidden = not view.details
    out.update({
        "problem": None if hidden else demand.problem,
        "description": None if hidden else demand.description,
        "indicators": None if hidden else [{"name": i.name, "value": i.value, "unit": i.unit}
                                           for i in demand.indicators.all()],
        "industry": None if hidden or demand.industry is None else demand.industry.code,
        "cooperation_modes": None if hidden else [m.code for m in demand.cooperation_modes.all()],
        "regions": None if hidden else [r.code for r in demand.regions.all()],
        "trl_needed": None if hidden else demand.trl_needed,
        "budget_type": None if hidden else demand.budget_type,
        "budget_min": None if hidden else demand.budget_min,
        "budget_max": None if hidden else demand.budget_max,
        "currency": None if hidden else demand.currency,
        "deadline": None if hidden else demand.deadline,
        "attachments": None if hidden else [
            {"id": f.pk, "name": f.original_name, "size": f.size, "download": f"/api/demand/demands/{demand.pk}/files/{f.pk}"}
            for f in demand.attachments.all()],
    })
    return out


class BoardFilters(Schema):
    q: str = Field("", description="Keywords (Chinese or English); searches what every tier shows anyone.")
    field: str = Field("", description="Top-level or sub-field code.")
    mode: list[str] = Field([], description="Cooperation mode codes (public-tier demands only).")
    stage: list[str] = Field([], description="early, middle, mature (public-tier demands only).")


class IndicatorIn(Schema):
    name: str
    value: str
    unit: str = ""


class DemandIn(Schema):
    enterprise: int = Field(description="The enterprise's organisation id.")
    title: str
    summary: str
    language: ContentLanguage = ContentLanguage.ZH_HANS
    confidentiality: Confidentiality = Confidentiality.PUBLIC
    problem: str = ""
    description: str = ""
    indicators: list[IndicatorIn] = []
    fields: list[str] = Field(description="Technology field codes.")
    industry: str | None = None
    cooperation_modes: list[str] = []
    regions: list[str] = []
    trl_needed: int | None = None
    budget_type: BudgetType = BudgetType.NEGOTIABLE
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    currency: Currency = Currency.CNY
    deadline: date | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    translations: dict[str, list[str]] = Field({}, description="language → [title, summary]")


class TransitionIn(Schema):
    name: str = Field(description=", ".join(workflow.TRANSITIONS))
    reason: str = ""
    checklist: list[str] = Field([], description=", ".join(workflow.ScreeningCheck.ITEMS))


class BrokersIn(Schema):
    brokers: list[int]


class DuplicateOut(Schema):
    id: int
    title: str
    enterprise: str
    score: float


def _codes(model: Any, codes: list[str], name: str, errors: dict[str, list[str]]) -> list[int]:
    found = dict(model.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors.setdefault(name, []).append(_("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)})
    return [found[c] for c in codes if c in found]


def _data(payload: DemandIn) -> services.DemandData:
    errors: dict[str, list[str]] = {}
    field_ids = _codes(TechField, payload.fields, "fields", errors)
    mode_ids = _codes(CooperationMode, payload.cooperation_modes, "cooperation_modes", errors)
    region_ids = _codes(Region, payload.regions, "regions", errors)
    industry_ids = _codes(Industry, [payload.industry], "industry", errors) if payload.industry else []
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    return services.DemandData(
        title=payload.title, summary=payload.summary, language=str(payload.language),
        confidentiality=str(payload.confidentiality), problem=payload.problem, description=payload.description,
        indicators=[services.IndicatorData(i.name, i.value, i.unit) for i in payload.indicators],
        field_ids=field_ids, industry_id=industry_ids[0] if industry_ids else None, cooperation_mode_ids=mode_ids,
        region_ids=region_ids, trl_needed=payload.trl_needed, budget_type=str(payload.budget_type),
        budget_min=payload.budget_min, budget_max=payload.budget_max, currency=str(payload.currency),
        deadline=payload.deadline, contact_name=payload.contact_name, contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        translations={lang: (pair[0], pair[1] if len(pair) > 1 else "") for lang, pair in payload.translations.items()
                      if pair},
    )


@router.get("/demands", response={200: list[DemandListOut], **ERRORS}, summary="The public demand board")
@paginate(PagePagination)
def demand_list(request: HttpRequest, filters: Query[BoardFilters]):  # type: ignore[no-untyped-def]
    return selectors.board_results(user=request.user, query=selectors.BoardQuery.from_params(request.GET))


@router.get("/demands/facets", response={200: dict[str, list[dict[str, Any]]], **ERRORS},
            summary="Counts per filter value on the board (each facet ignores its own filter)")
def demand_facets(request: HttpRequest, filters: Query[BoardFilters]) -> dict[str, list[dict[str, Any]]]:
    return selectors.board_facets(user=request.user, query=selectors.BoardQuery.from_params(request.GET))


@router.get("/demands/mine", response={200: list[DemandListOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="The demands of my enterprises and those I recorded")
@paginate(PagePagination)
def demand_mine(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.my_demands(user=request.user).prefetch_related("fields")


# --- Import ----------------------------------------------------------------------------------------



class ProblemOut(Schema):
    row: int
    column: str
    problem: str


class ImportOut(Schema):
    rows_checked: int
    problems: list[ProblemOut]
    created: int
    updated: int
    imported: bool = Field(description="False for a dry run and for a file with problems (import none).")


@router.post("/demands/import", response={200: ImportOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Import demands from the XLSX/CSV template: dry run or import (all rows or none)")
def demands_import(request: HttpRequest, file: NinjaFile[UploadedFile], enterprise: Form[int],
                   dry_run: Form[bool] = False) -> dict[str, Any]:
    from duijie.demand import imports

    organisation = selectors.creatable_enterprises(user=request.user).filter(pk=enterprise).first()
    if organisation is None:
        raise PermissionDenied(_("You cannot add demands for this organisation."))
    report = imports.demands_import(actor=request.user, organisation=organisation, upload=file, dry_run=dry_run)
    return {"rows_checked": report.rows_checked, "problems": [p.as_dict() for p in report.problems],
            "created": report.created, "updated": report.updated,
            "imported": not dry_run and not report.problems}


@router.get("/demands/{pk}", response={200: DemandDetailOut, **ERRORS}, summary="One demand, as its tier allows")
def demand_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.post("/demands", response={201: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Collect a demand (enterprise members; commissioners and operators for an enterprise)")
def demand_create(request: HttpRequest, payload: DemandIn) -> Status[dict[str, Any]]:
    organisation = selectors.creatable_enterprises(user=request.user).filter(pk=payload.enterprise).first()
    if organisation is None:
        raise PermissionDenied(_("You cannot add demands for this organisation."))
    demand = services.demand_create(actor=request.user, organisation=organisation, data=_data(payload))
    return Status(201, _detail(request, selectors.demand_get(user=request.user, pk=demand.pk)))


@router.put("/demands/{pk}", response={200: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Replace a demand's content")
def demand_update(request: HttpRequest, pk: int, payload: DemandIn) -> dict[str, Any]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    services.demand_update(actor=request.user, demand=demand, data=_data(payload))
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.post("/demands/{pk}/transitions", response={200: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Move a demand along the chain (submit, publish, return, reject, ...)")
def demand_transition(request: HttpRequest, pk: int, payload: TransitionIn) -> dict[str, Any]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    services.demand_transition(actor=request.user, demand=demand, name=payload.name, reason=payload.reason,
                               checklist=payload.checklist)
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.post("/demands/{pk}/terms", response={200: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Accept the confidentiality terms of a summary-only demand (recorded)")
def demand_accept_terms(request: HttpRequest, pk: int) -> dict[str, Any]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    services.demand_accept_terms(actor=request.user, demand=demand)
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.put("/demands/{pk}/brokers", response={200: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Set the brokers assigned to a demand (operators)")
def demand_brokers(request: HttpRequest, pk: int, payload: BrokersIn) -> dict[str, Any]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    services.demand_assign_brokers(actor=request.user, demand=demand, broker_ids=payload.brokers)
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.get("/demands/{pk}/duplicates", response={200: list[DuplicateOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Likely duplicates with a similarity score from 0 to 1 (operators, for screening)")
def demand_duplicates(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    demand = selectors.demand_get(user=request.user, pk=pk)  # 404 first: existence is not told either
    if not policies.can_screen(request.user):
        raise PermissionDenied()
    return [{"id": d.pk, "title": d.title, "enterprise": str(d.organisation.display_name), "score": score}
            for d, score in selectors.likely_duplicates(user=request.user, demand=demand)]


# --- Open challenges (揭榜挂帅) ---------------------------------------------------------------------

from duijie.accounts.models import Organisation  # noqa: E402
from duijie.accounts.models import User as UserModel  # noqa: E402
from duijie.demand.models import Application, Challenge, Objection  # noqa: E402


class CriterionOut(Schema):
    id: int
    name: str
    weight: int


class ChallengeOut(Schema):
    id: int
    demand: int
    title: str
    stage: str
    stage_label: str
    bounty: Decimal
    currency: str
    bounty_payer: str
    subsidy: Decimal | None
    subsidy_source: str
    eligible_kinds: list[str]
    eligible_regions: list[str]
    opens_at: datetime
    closes_at: datetime
    window_open: bool = Field(description="Whether applications are accepted now (server time).")
    required_documents: list[str]
    announcement: str
    criteria: list[CriterionOut]
    publicity_ends_at: datetime | None
    winner: str | None = Field(description="The winning organisation, once the result is public.")
    result_notice: str


def _challenge(challenge: Challenge) -> dict[str, Any]:
    public_result = challenge.stage in ("publicity", "awarded") and challenge.winner is not None
    return {
        "id": challenge.pk, "demand": challenge.demand_id, "title": challenge.demand.title, "stage": challenge.stage,
        "stage_label": str(challenge.get_stage_display()), "bounty": challenge.bounty, "currency": challenge.currency,
        "bounty_payer": challenge.bounty_payer, "subsidy": challenge.subsidy, "subsidy_source": challenge.subsidy_source,
        "eligible_kinds": list(challenge.eligible_kinds),
        "eligible_regions": [r.code for r in challenge.eligible_regions.all()],
        "opens_at": challenge.opens_at, "closes_at": challenge.closes_at,
        "window_open": selectors.challenge_window_open(challenge),
        "required_documents": list(challenge.required_documents), "announcement": challenge.announcement,
        "criteria": [{"id": c.pk, "name": c.name, "weight": c.weight} for c in challenge.criteria.all()],
        "publicity_ends_at": challenge.publicity_ends_at,
        "winner": str(challenge.winner.organisation.display_name) if public_result and challenge.winner else None,
        "result_notice": challenge.result_notice,
    }


class ChallengeIn(Schema):
    bounty: Decimal
    currency: Currency = Currency.CNY
    bounty_payer: str
    subsidy: Decimal | None = None
    subsidy_source: str = ""
    eligible_kinds: list[str] = []
    eligible_regions: list[str] = Field([], description="Region codes (countries, provinces, cities).")
    opens_at: datetime
    closes_at: datetime
    required_documents: list[str] = []
    announcement: str = ""
    criteria: list[dict[str, Any]] = Field(description='[{"name": ..., "weight": 1-100}], weights adding up to 100')


class AdvanceIn(Schema):
    note: str = ""


class ApplicationIn(Schema):
    organisation: int
    proposal: str
    technical_route: str
    budget: Decimal
    timeline: str
    team: str


class ApplicationOut(Schema):
    id: int
    organisation: str
    status: str
    proposal: str
    technical_route: str
    budget: Decimal
    timeline: str
    team: str
    submitted_at: datetime

    @staticmethod
    def resolve_organisation(obj: Application) -> str:
        return str(obj.organisation.display_name)


class ReviewerIn(Schema):
    user: int


class DeclarationIn(Schema):
    conflicted: bool
    note: str = ""


class ScoresIn(Schema):
    scores: dict[int, Decimal] = Field(description="criterion id → score from 0 to 100")
    comments: dict[int, str] = {}


class RankOut(Schema):
    application: int
    organisation: str
    total: Decimal | None
    reviewers: int


class ObjectionIn(Schema):
    text: str


class ResolutionIn(Schema):
    resolution: str


class ObjectionOut(Schema):
    id: int
    text: str
    raised_at: datetime
    resolution: str
    resolved_at: datetime | None


def _challenge_data(payload: ChallengeIn) -> services.ChallengeData:
    errors: dict[str, list[str]] = {}
    region_ids = _codes(Region, payload.eligible_regions, "eligible_regions", errors)
    criteria = []
    for row in payload.criteria:
        try:
            criteria.append((str(row["name"]), int(row["weight"])))
        except (KeyError, TypeError, ValueError):
            errors.setdefault("criteria", []).append(_("Each criterion needs a name and a weight from 1 to 100."))
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)
    return services.ChallengeData(
        bounty=payload.bounty, currency=str(payload.currency), bounty_payer=payload.bounty_payer,
        subsidy=payload.subsidy, subsidy_source=payload.subsidy_source, eligible_kinds=payload.eligible_kinds,
        eligible_region_ids=region_ids, opens_at=payload.opens_at, closes_at=payload.closes_at,
        required_documents=payload.required_documents, announcement=payload.announcement, criteria=criteria,
    )


def _application(request: HttpRequest, pk: int) -> Application:
    application = Application.objects.select_related("challenge", "organisation").filter(pk=pk).first()
    if application is None or not selectors.applications_visible_to(
            user=request.user, challenge=selectors.challenge_get(user=request.user, pk=application.challenge_id)
    ).filter(pk=pk).exists():
        from duijie.core.errors import NotFound

        raise NotFound()
    return application


@router.get("/challenges", response={200: list[ChallengeOut], **ERRORS}, summary="The board of open challenges")
@paginate(PagePagination)
def challenge_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    return _Mapped(selectors.challenge_board(user=request.user).prefetch_related("criteria", "eligible_regions"),
                   _challenge)


class _Mapped:
    """A queryset as the paginator reads it (``count()``, slices), each row turned into its output."""

    def __init__(self, queryset: Any, fn: Any) -> None:
        self.queryset, self.fn = queryset, fn

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[Any]:
        return [self.fn(row) for row in self.queryset[key]]


@router.get("/challenges/{pk}", response={200: ChallengeOut, **ERRORS}, summary="One challenge and its stage")
def challenge_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _challenge(selectors.challenge_get(user=request.user, pk=pk))


@router.post("/demands/{pk}/challenge", response={201: ChallengeOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Run a demand as an open challenge (the enterprise or operators)")
def challenge_create(request: HttpRequest, pk: int, payload: ChallengeIn) -> Status[dict[str, Any]]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    challenge = services.challenge_create(actor=request.user, demand=demand, data=_challenge_data(payload))
    return Status(201, _challenge(selectors.challenge_get(user=request.user, pk=challenge.pk)))


@router.post("/challenges/{pk}/advance", response={200: ChallengeOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Move a challenge to its next stage (operators)")
def challenge_advance(request: HttpRequest, pk: int, payload: AdvanceIn) -> dict[str, Any]:
    challenge = selectors.challenge_get(user=request.user, pk=pk)
    services.challenge_advance(actor=request.user, challenge=challenge, note=payload.note)
    return _challenge(selectors.challenge_get(user=request.user, pk=pk))


@router.get("/challenges/{pk}/applications", response={200: list[ApplicationOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Applications: all for operators, the panel and the enterprise; a team its own")
def application_list(request: HttpRequest, pk: int) -> Any:
    return selectors.applications_visible_to(user=request.user, challenge=selectors.challenge_get(user=request.user,
                                                                                                  pk=pk))


@router.post("/challenges/{pk}/applications", response={201: ApplicationOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Apply (揭榜) on behalf of your organisation, inside the window")
def application_submit(request: HttpRequest, pk: int, payload: ApplicationIn) -> Status[Application]:
    challenge = selectors.challenge_get(user=request.user, pk=pk)
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise DomainError(_("Unknown organisation."), code="validation_error",
                          fields={"organisation": [_("Unknown organisation.")]})
    application = services.application_submit(
        actor=request.user, challenge=challenge, organisation=organisation,
        data=services.ApplicationData(proposal=payload.proposal, technical_route=payload.technical_route,
                                      budget=payload.budget, timeline=payload.timeline, team=payload.team))
    return Status(201, application)


@router.post("/applications/{pk}/withdraw", response={200: ApplicationOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Withdraw an application before the window closes")
def application_withdraw(request: HttpRequest, pk: int) -> Application:
    return services.application_withdraw(actor=request.user, application=_application(request, pk))


@router.post("/challenges/{pk}/reviewers", response={200: list[int], **ERRORS}, auth=AUTH_REQUIRED,
             summary="Add a reviewer to the panel (operators); answers the panel's user ids")
def reviewer_add(request: HttpRequest, pk: int, payload: ReviewerIn) -> list[int]:
    challenge = selectors.challenge_get(user=request.user, pk=pk)
    user = UserModel.objects.filter(pk=payload.user, is_active=True).first()
    if user is None:
        raise DomainError(_("Unknown user."), code="validation_error", fields={"user": [_("Unknown user.")]})
    services.reviewer_assign(actor=request.user, challenge=challenge, user=user)
    return list(challenge.reviewers.values_list("user_id", flat=True))


@router.post("/applications/{pk}/declaration", response={200: dict[str, bool], **ERRORS}, auth=AUTH_REQUIRED,
             summary="A reviewer declares a conflict of interest with this applicant, or none")
def conflict_declare(request: HttpRequest, pk: int, payload: DeclarationIn) -> dict[str, bool]:
    declaration = services.conflict_declare(actor=request.user, application=_application(request, pk),
                                            conflicted=payload.conflicted, note=payload.note)
    return {"conflicted": declaration.conflicted}


@router.post("/applications/{pk}/scores", response={200: list[RankOut], **ERRORS}, auth=AUTH_REQUIRED,
             summary="A reviewer's scores per criterion (0–100); answers the ranking")
def scores_submit(request: HttpRequest, pk: int, payload: ScoresIn) -> list[dict[str, Any]]:
    application = _application(request, pk)
    services.scores_submit(actor=request.user, application=application, values={
        criterion: (value, payload.comments.get(criterion, "")) for criterion, value in payload.scores.items()})
    return _ranking(request, application.challenge_id)


def _ranking(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    challenge = selectors.challenge_get(user=request.user, pk=pk)
    if not policies.can_view_applications(request.user, challenge):
        raise PermissionDenied()
    return [{"application": row.application.pk, "organisation": str(row.application.organisation.display_name),
             "total": row.total, "reviewers": row.reviewers} for row in selectors.challenge_ranking(challenge=challenge)]


@router.get("/challenges/{pk}/ranking", response={200: list[RankOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Weighted totals, highest first, with the tie rule (operators, the panel, the enterprise)")
def challenge_ranking(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    return _ranking(request, pk)


@router.post("/challenges/{pk}/objections", response={201: ObjectionOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Raise an objection during the result publicity period")
def objection_raise(request: HttpRequest, pk: int, payload: ObjectionIn) -> Status[Objection]:
    challenge = selectors.challenge_get(user=request.user, pk=pk)
    return Status(201, services.objection_raise(actor=request.user, challenge=challenge, text=payload.text))


@router.post("/objections/{pk}/resolve", response={200: ObjectionOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Record how an objection was resolved (operators)")
def objection_resolve(request: HttpRequest, pk: int, payload: ResolutionIn) -> Objection:
    objection = Objection.objects.select_related("challenge").filter(pk=pk).first()
    if objection is None or not policies.can_manage_challenge(request.user):
        raise PermissionDenied()
    return services.objection_resolve(actor=request.user, objection=objection, resolution=payload.resolution)




# --- Files ---------------------------------------------------------------------------------------


@router.post("/demands/{pk}/files", response={200: DemandDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Attach a PDF or an image to a demand (its details; stored privately)")
def demand_file_add(request: HttpRequest, pk: int, file: NinjaFile[UploadedFile]) -> dict[str, Any]:
    demand = selectors.demand_get(user=request.user, pk=pk)
    services.demand_attachment_add(actor=request.user, demand=demand, upload=file)
    return _detail(request, selectors.demand_get(user=request.user, pk=pk))


@router.get("/demands/{pk}/files/{file_pk}", response={200: None, **ERRORS},
            summary="Download a demand's file (to those who see its details)")
def demand_file_get(request: HttpRequest, pk: int, file_pk: int) -> Any:
    from django.http import FileResponse

    from duijie.core.errors import NotFound

    demand = selectors.demand_get(user=request.user, pk=pk)
    attachment = demand.attachments.filter(pk=file_pk).first()
    if attachment is None or not selectors.demand_view(user=request.user, demand=demand).details:
        raise NotFound()
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@router.post("/applications/{pk}/files", response={200: dict[str, Any], **ERRORS}, auth=AUTH_REQUIRED,
             summary="Attach a document to your application before the window closes")
def application_file_add(request: HttpRequest, pk: int, file: NinjaFile[UploadedFile],
                         document: Form[str] = "") -> dict[str, Any]:
    attachment = services.application_attachment_add(actor=request.user, application=_application(request, pk),
                                                     document=document, upload=file)
    return {"id": attachment.pk, "document": attachment.document, "name": attachment.original_name,
            "size": attachment.size}
