"""The supply API: the exhibition hall of achievements, their lifecycle, and the expert directory.

Reads go through ``selectors`` (so visibility is decided once), writes through ``services``.
Reference data travels as codes (``/api/taxonomy/...`` lists them); codes are turned into rows here.
"""

# No ``from __future__ import annotations`` here: django-ninja's ``@paginate`` reads the
# parameter annotations of the function it wraps, and a string "HallFilters" cannot be resolved there.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from duijie.accounts import selectors as account_selectors
from duijie.core.api import AUTH_REQUIRED, ErrorOut, PagePagination
from duijie.core.errors import DomainError, NotFound, PermissionDenied
from duijie.core.i18n import active_language
from duijie.supply import policies, selectors, services, workflow
from duijie.supply.enums import (
    AchievementAttribute,
    ContentLanguage,
    Currency,
    IPStatus,
    IPType,
    Jurisdiction,
    PriceType,
)
from duijie.supply.models import Achievement, Expert
from duijie.taxonomy import selectors as taxonomy_selectors

router = Router(tags=["supply"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Output --------------------------------------------------------------------------------------


def _shown_text(achievement: Achievement) -> tuple[str, str, str]:
    """(language, title, summary) in the active language when a translation exists, else the original.

    Reads the prefetched ``translations`` (no query per item). A translation without a summary
    keeps the original summary.
    """
    language = active_language()
    if language != achievement.language:
        for translation in achievement.translations.all():
            if translation.language == language:
                return language, translation.title, translation.summary or achievement.summary
    return achievement.language, achievement.title, achievement.summary


class OrganisationRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name)


class AchievementListOut(Schema):
    id: int
    title: str
    summary: str
    language: str = Field(description="The language of `title` and `summary` as given here.")
    organisation: OrganisationRef
    fields: list[str] = Field(description="Technology field codes.")
    stage: str
    trl: int | None
    status: str
    view_count: int
    published_at: datetime | None
    has_granted_patent: bool
    price_band: str

    @staticmethod
    def resolve_title(obj: Achievement) -> str:
        return _shown_text(obj)[1]

    @staticmethod
    def resolve_summary(obj: Achievement) -> str:
        return _shown_text(obj)[2]

    @staticmethod
    def resolve_language(obj: Achievement) -> str:
        return _shown_text(obj)[0]

    @staticmethod
    def resolve_fields(obj: Achievement) -> list[str]:
        return [f.code for f in obj.fields.all()]


class TextOut(Schema):
    language: str
    title: str
    summary: str


class IPAssetOut(Schema):
    ip_type: str
    title: str
    number: str
    jurisdiction: str
    status: str
    filing_date: date | None
    grant_date: date | None


class ExpertRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Expert) -> str:
        return obj.display_name


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class AchievementDetailOut(AchievementListOut):
    original_language: str = Field(description="The language the owners wrote `title` and `summary` in.")
    translations: list[TextOut] = Field(description="Every language version, the original first.")
    description: str
    keywords: list[str]
    industries: list[str] = Field(description="Application industry codes.")
    cooperation_modes: list[str] = Field(description="Cooperation mode codes.")
    attribute: str
    price_type: str
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str
    financing_need: str
    team_members: str
    video_url: str
    external_id: str
    recommending_unit: OrganisationRef | None
    ip_assets: list[IPAssetOut]
    experts: list[ExpertRef]
    contact: ContactOut | None = Field(description="Only for the owning institution and operators; else null.")
    transitions: list[str] = Field(description="The lifecycle actions the caller may take now.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_original_language(obj: Achievement) -> str:
        return obj.language

    @staticmethod
    def resolve_translations(obj: Achievement) -> list[dict[str, str]]:
        original = {"language": obj.language, "title": obj.title, "summary": obj.summary}
        others = sorted(
            ({"language": t.language, "title": t.title, "summary": t.summary} for t in obj.translations.all()
             if t.language != obj.language),
            key=lambda t: t["language"],
        )
        return [original, *others]

    @staticmethod
    def resolve_industries(obj: Achievement) -> list[str]:
        return [i.code for i in obj.industries.all()]

    @staticmethod
    def resolve_cooperation_modes(obj: Achievement) -> list[str]:
        return [m.code for m in obj.cooperation_modes.all()]

    @staticmethod
    def resolve_ip_assets(obj: Achievement) -> list[Any]:
        return list(obj.ip_assets.all())

    @staticmethod
    def resolve_experts(obj: Achievement, context: dict[str, Any]) -> list[Expert]:
        # Team members whose profile is hidden from the directory stay hidden here too.
        ids = [e.pk for e in obj.experts.all()]
        if not ids:
            return []
        return list(selectors.experts_visible_to(context["request"].user).filter(pk__in=ids).order_by("name", "id"))

    @staticmethod
    def resolve_contact(obj: Achievement, context: dict[str, Any]) -> dict[str, str] | None:
        if not policies.can_see_contact(context["request"].user, obj):
            return None
        return {"name": obj.contact_name, "phone": obj.contact_phone, "email": obj.contact_email}

    @staticmethod
    def resolve_transitions(obj: Achievement, context: dict[str, Any]) -> list[str]:
        return [t.name for t in workflow.available_transitions(context["request"].user, obj)]


class FacetValueOut(Schema):
    value: int | str
    label: str
    count: int


class DirectionOut(Schema):
    language: str
    text: str


class ExpertOut(Schema):
    id: int
    name: str
    name_en: str
    title: str
    organisation: OrganisationRef
    fields: list[str] = Field(description="Technology field codes.")
    directions: list[DirectionOut] = Field(description="Research directions.")
    available_for_consulting: bool
    available_part_time: bool

    @staticmethod
    def resolve_fields(obj: Expert) -> list[str]:
        return [f.code for f in obj.fields.all()]

    @staticmethod
    def resolve_directions(obj: Expert) -> list[Any]:
        return list(obj.directions.all())


class ExpertDetailOut(ExpertOut):
    bio: str


# --- Input ---------------------------------------------------------------------------------------


class HallFilters(Schema):
    """The hall's filters; read exactly as the exhibition-hall page reads its URL."""

    q: str = Field("", description="Keywords; Traditional and Simplified Chinese find each other.")
    field: str = Field("", description="A top-level technology field code.")
    subfield: str = Field("", description="A technology sub-field code.")
    institution: list[int] = Field([], description="Organisation ids (repeatable).")
    country: list[str] = Field([], description="Country codes of the institution, e.g. CN, GB (repeatable).")
    stage: list[str] = Field([], description="early, middle, mature (repeatable).")
    mode: list[str] = Field([], description="Cooperation mode codes (repeatable).")
    ip: list[str] = Field([], description="IP types (repeatable).")
    granted: str = Field("", description="1: only items with a granted patent.")
    price: list[str] = Field([], description="Price bands (repeatable).")
    sort: str = Field("", description="newest, views or relevance (the default with keywords).")


class TranslationIn(Schema):
    language: ContentLanguage
    title: str
    summary: str = ""


class IPAssetIn(Schema):
    ip_type: IPType
    number: str = ""
    jurisdiction: Jurisdiction = Jurisdiction.CN
    status: IPStatus = IPStatus.FILED
    title: str = ""
    filing_date: date | None = None
    grant_date: date | None = None


class AchievementUpdateIn(Schema):
    title: str
    summary: str
    language: ContentLanguage = ContentLanguage.ZH_HANS
    description: str = ""
    keywords: list[str] = []
    fields: list[str] = Field([], description="Technology field codes (at least one).")
    industries: list[str] = Field([], description="Application industry codes.")
    cooperation_modes: list[str] = Field([], description="Cooperation mode codes.")
    experts: list[int] = Field([], description="Expert ids of the owning institution.")
    trl: int | None = None
    attribute: AchievementAttribute = AchievementAttribute.ORIGINAL
    price_type: PriceType = PriceType.NEGOTIABLE
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: Currency = Currency.CNY
    financing_need: str = ""
    team_members: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    video_url: str = ""
    recommending_unit: int | None = Field(None, description="Organisation id.")
    external_id: str = ""
    translations: list[TranslationIn] = Field([], description="Title and summary in further languages.")
    ip_assets: list[IPAssetIn] = Field([], description="The complete list; replaces the stored one.")


class AchievementIn(AchievementUpdateIn):
    organisation: int = Field(description="The owning institution's id (you must be a member).")


class TransitionIn(Schema):
    name: str = Field(description="A name from the detail's `transitions`.")
    reason: str = ""
    checklist: list[str] = Field([], description="Screening checklist items ticked (publish).")


def _codes_to_ids(rows: Any, codes: list[str], name: str, errors: dict[str, list[str]]) -> list[int]:
    """Ids of the rows with these codes, in order; each unknown code is an error on ``<name>.<index>``."""
    by_code = dict(rows.filter(code__in=codes).values_list("code", "pk"))
    ids: list[int] = []
    for index, code in enumerate(codes):
        if code in by_code:
            ids.append(by_code[code])
        else:
            errors.setdefault(f"{name}.{index}", []).append(_("Unknown code “%(code)s”.") % {"code": code})
    return ids


def _organisation_or_error(request: HttpRequest, pk: int, name: str, errors: dict[str, list[str]]) -> Any:
    try:
        return account_selectors.organisation_get(user=request.user, pk=pk)
    except NotFound:
        errors.setdefault(name, []).append(_("There is no such institution."))
        return None


def _achievement_data(request: HttpRequest, payload: AchievementUpdateIn,
                      errors: dict[str, list[str]]) -> services.AchievementData:
    """The service's input from the request body; unknown codes and ids land in ``errors``."""
    user = request.user
    field_ids = _codes_to_ids(taxonomy_selectors.fields_visible_to(user), payload.fields, "fields", errors)
    industry_ids = _codes_to_ids(taxonomy_selectors.industries_visible_to(user), payload.industries, "industries",
                                 errors)
    mode_ids = _codes_to_ids(taxonomy_selectors.cooperation_modes_visible_to(user), payload.cooperation_modes,
                             "cooperation_modes", errors)
    recommending_unit_id = None
    if payload.recommending_unit is not None:
        unit = _organisation_or_error(request, payload.recommending_unit, "recommending_unit", errors)
        recommending_unit_id = unit.pk if unit is not None else None
    translations: dict[str, tuple[str, str]] = {}
    for index, translation in enumerate(payload.translations):
        if translation.language in translations:
            errors.setdefault(f"translations.{index}.language", []).append(_("This language is given twice."))
        translations[str(translation.language)] = (translation.title, translation.summary)
    return services.AchievementData(
        title=payload.title,
        summary=payload.summary,
        language=str(payload.language),
        description=payload.description,
        keywords=payload.keywords,
        field_ids=field_ids,
        industry_ids=industry_ids,
        cooperation_mode_ids=mode_ids,
        expert_ids=payload.experts,
        trl=payload.trl,
        attribute=str(payload.attribute),
        price_type=str(payload.price_type),
        price_min=payload.price_min,
        price_max=payload.price_max,
        currency=str(payload.currency),
        financing_need=payload.financing_need,
        team_members=payload.team_members,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        video_url=payload.video_url,
        recommending_unit_id=recommending_unit_id,
        external_id=payload.external_id,
        translations=translations,
        ip_assets=[
            services.IPAssetData(
                ip_type=str(a.ip_type), number=a.number, jurisdiction=str(a.jurisdiction), status=str(a.status),
                title=a.title, filing_date=a.filing_date, grant_date=a.grant_date,
            )
            for a in payload.ip_assets
        ],
    )


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="validation_error", fields=errors)


# --- Achievements --------------------------------------------------------------------------------


@router.get("/achievements", response={200: list[AchievementListOut], **ERRORS},
            summary="The exhibition hall: published achievements, filtered")
@paginate(PagePagination)
def achievement_list(request: HttpRequest, filters: Query[HallFilters]):  # type: ignore[no-untyped-def]
    # ``filters`` documents and type-checks the parameters; the hall reads them from the query
    # string itself, so that the page and the API filter alike.
    return selectors.hall_results(user=request.user, query=selectors.HallQuery.from_params(request.GET))


@router.get("/achievements/facets", response={200: dict[str, list[FacetValueOut]], **ERRORS},
            summary="Counts per filter value for the hall (each facet ignores its own filter)")
def achievement_facets(request: HttpRequest, filters: Query[HallFilters]) -> dict[str, list[dict[str, Any]]]:
    return selectors.hall_facets(user=request.user, query=selectors.HallQuery.from_params(request.GET))


@router.get("/achievements/{pk}", response={200: AchievementDetailOut, **ERRORS}, summary="One achievement")
def achievement_detail(request: HttpRequest, pk: int) -> Achievement:
    return selectors.achievement_get(user=request.user, pk=pk)


@router.post("/achievements", response={201: AchievementDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Add an achievement as a draft (members of the institution)")
def achievement_create(request: HttpRequest, payload: AchievementIn) -> Status[Achievement]:
    errors: dict[str, list[str]] = {}
    organisation = _organisation_or_error(request, payload.organisation, "organisation", errors)
    data = _achievement_data(request, payload, errors)
    _raise_if(errors)
    achievement = services.achievement_create(actor=request.user, organisation=organisation, data=data)
    return Status(201, selectors.achievement_get(user=request.user, pk=achievement.pk))


@router.put("/achievements/{pk}", response={200: AchievementDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Replace an achievement's content (its institution's members and operators)")
def achievement_update(request: HttpRequest, pk: int, payload: AchievementUpdateIn) -> Achievement:
    achievement = selectors.achievement_get(user=request.user, pk=pk)
    errors: dict[str, list[str]] = {}
    data = _achievement_data(request, payload, errors)
    _raise_if(errors)
    services.achievement_update(actor=request.user, achievement=achievement, data=data)
    return selectors.achievement_get(user=request.user, pk=pk)


@router.post("/achievements/{pk}/transitions", response={200: AchievementDetailOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Move an achievement along its lifecycle (submit, publish, return, ...)")
def achievement_transition(request: HttpRequest, pk: int, payload: TransitionIn) -> Achievement:
    achievement = selectors.achievement_get(user=request.user, pk=pk)
    services.achievement_transition(actor=request.user, achievement=achievement, name=payload.name,
                                    reason=payload.reason, checklist=payload.checklist)
    return selectors.achievement_get(user=request.user, pk=pk)


@router.get("/screening-queue", response={200: list[AchievementListOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Achievements waiting for screening, oldest first (operators)")
@paginate(PagePagination)
def screening_queue(request: HttpRequest):  # type: ignore[no-untyped-def]
    if not policies.can_screen(request.user):
        raise PermissionDenied()
    return selectors.screening_queue(user=request.user).prefetch_related("fields", "translations")


# --- Experts -------------------------------------------------------------------------------------


@router.get("/experts", response={200: list[ExpertOut], **ERRORS}, summary="The expert directory")
@paginate(PagePagination)
def expert_list(request: HttpRequest, q: str = "", field: str = "",  # type: ignore[no-untyped-def]
                organisation: int | None = None):
    return selectors.expert_directory(user=request.user, q=q.strip(), field_code=field.strip(),
                                      organisation_id=organisation)


@router.get("/experts/{pk}", response={200: ExpertDetailOut, **ERRORS}, summary="One expert")
def expert_detail(request: HttpRequest, pk: int) -> Expert:
    return selectors.expert_get(user=request.user, pk=pk)


# --- Bulk import ---------------------------------------------------------------------------------

# This section's own imports (it was appended to the module as a unit).
from ninja import File, Form, UploadedFile  # noqa: E402

from duijie.supply import imports  # noqa: E402
from duijie.supply.models import ImportJob  # noqa: E402


class ImportProblemOut(Schema):
    row: int = Field(description="The row as a spreadsheet shows it (the header is row 1); 0: the file as a whole.")
    column: str = Field(description="The column's header as written in the file; empty: the row as a whole.")
    problem: str


class ImportJobOut(Schema):
    id: int
    organisation: OrganisationRef
    file_name: str
    status: str = Field(description="queued, running, done or failed.")
    dry_run: bool
    total: int = Field(description="Rows in the file (known once it has been read).")
    processed: int = Field(description="Rows checked so far.")
    created: int
    updated: int
    problem_count: int = Field(description="Problems found; any problem and nothing is imported.")
    problems: list[ImportProblemOut] = Field(description=f"The first {imports.MAX_REPORTED_PROBLEMS} problems.")
    summary: str = Field(description="Where the job stands, in a sentence.")
    error: str = Field(description="Why a failed job stopped.")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_file_name(obj: ImportJob) -> str:
        return obj.original_name

    @staticmethod
    def resolve_problem_count(obj: ImportJob) -> int:
        return int(obj.report.get("problem_count", 0))

    @staticmethod
    def resolve_problems(obj: ImportJob) -> list[dict[str, Any]]:
        return list(obj.report.get("problems", []))

    @staticmethod
    def resolve_summary(obj: ImportJob) -> str:
        return imports.job_summary(obj)


@router.post("/imports", response={202: ImportJobOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Import achievements from an XLSX or CSV file (the template's columns); a job to follow")
def import_create(
    request: HttpRequest, file: File[UploadedFile], organisation: Form[int], dry_run: Form[bool] = False
) -> Status[ImportJob]:
    """Nothing is imported from a file with any problem; ``dry_run`` only checks. Follow the job at
    ``GET /imports/{id}`` until its status is done or failed."""
    errors: dict[str, list[str]] = {}
    owner = _organisation_or_error(request, organisation, "organisation", errors)
    _raise_if(errors)
    job = imports.import_job_start(actor=request.user, organisation=owner, upload=file, dry_run=dry_run)
    return Status(202, imports.import_job_get(user=request.user, pk=job.pk))


@router.get("/imports/{pk}", response={200: ImportJobOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="One import job: progress and report (the person who started it and operators)")
def import_detail(request: HttpRequest, pk: int) -> ImportJob:
    return imports.import_job_get(user=request.user, pk=pk)
