"""The docking API: requests and cases (consent, pipeline, broker, timeline, intents), broker profiles,
the public broker directory and the ledger. The same services and selectors as the pages: a
contact the caller may not see yet is ``null``, never its value.
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

from duijie.accounts.models import User
from duijie.core.api import AUTH_REQUIRED, ErrorOut, PagePagination
from duijie.core.errors import DomainError, NotFound, PermissionDenied
from duijie.docking import policies, selectors, services, workflow
from duijie.docking.models import BrokerProfile, CooperationIntent, DockingRequest
from duijie.taxonomy.models import CooperationMode, Region, TechField

router = Router(tags=["docking"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ContactOut(Schema):
    name: str
    organisation: str
    phone: str
    email: str


class CaseListOut(Schema):
    id: int
    target_kind: str
    target_id: int | None
    title: str
    stage: str
    requester: str
    broker: str | None
    created_at: datetime
    last_activity_at: datetime | None

    @staticmethod
    def resolve_target_id(obj: Any) -> int | None:
        return obj["target_id"] if isinstance(obj, dict) else (obj.target.pk if obj.target else None)

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return obj["title"] if isinstance(obj, dict) else obj.target_title

    @staticmethod
    def resolve_stage(obj: Any) -> str:
        return obj["stage"] if isinstance(obj, dict) else obj.status

    @staticmethod
    def resolve_requester(obj: Any) -> str:
        return obj["requester"] if isinstance(obj, dict) else obj.requester.full_name

    @staticmethod
    def resolve_broker(obj: Any) -> str | None:
        if isinstance(obj, dict):
            return obj["broker"]
        return obj.broker.full_name if obj.broker else None


class CaseOut(CaseListOut):
    message: str
    origin: str
    event_name: str
    cooperation_mode: str | None
    requester_organisation: str | None
    target_organisation: str | None
    consented: bool = Field(description="Both consents given: the parties see each other's contacts.")
    contacts: dict[str, ContactOut] | None = Field(description="Null until the caller may see them.")
    next_step: str
    actions: list[str] = Field(description="Transitions the caller may take now.")
    due: date | None = Field(description="Last working day of the stage's service-level target.")
    overdue: bool
    decline_reason: str | None = Field(description="Only for the case's broker and operators.")


def _list_row(case: DockingRequest) -> dict[str, Any]:
    target = case.target
    return {"id": case.pk, "target_kind": case.target_kind, "target_id": target.pk if target else None,
            "title": case.target_title, "stage": case.status, "requester": case.requester.full_name,
            "broker": case.broker.full_name if case.broker else None, "created_at": case.created_at,
            "last_activity_at": case.last_activity_at}


def _case_out(request: HttpRequest, case: DockingRequest) -> dict[str, Any]:
    user = request.user
    contacts = selectors.case_contacts(user=user, case=case)
    card = selectors.cards([case])[0]
    return {**_list_row(case), "message": case.message, "origin": case.origin, "event_name": case.event_name,
            "cooperation_mode": case.cooperation_mode.code if case.cooperation_mode else None,
            "requester_organisation": str(case.requester_organisation.display_name)
            if case.requester_organisation else None,
            "target_organisation": str(case.target_organisation.display_name) if case.target_organisation else None,
            "consented": policies.consented(case),
            "contacts": {k: vars(v) for k, v in contacts.items()} if contacts is not None else None,
            "next_step": str(workflow.NEXT_STEP.get(case.status, "")),
            "actions": [t.name for t in workflow.available_transitions(user, case)],
            "due": card.due, "overdue": card.overdue,
            "decline_reason": case.decline_reason or None if policies.runs_case(user, case) else None}


def _case(request: HttpRequest, pk: int) -> DockingRequest:
    return selectors.case_for(user=request.user, pk=pk)


class RequestIn(Schema):
    target_kind: str = Field(description="achievement, expert, demand or challenge")
    target_id: int
    message: str
    cooperation_mode: str | None = Field(None, description="A cooperation mode code.")
    origin: str = Field("page", description="page, recommendation or event")
    event_name: str = ""
    accept_terms: bool = Field(False, description="Accept a summary-only demand's confidentiality terms.")


def _mode(code: str | None) -> CooperationMode | None:
    if not code:
        return None
    mode = CooperationMode.objects.filter(code=code).first()
    if mode is None:
        raise DomainError(_("Unknown cooperation mode."), code="validation_error",
                          fields={"cooperation_mode": [_("Unknown code: %(code)s") % {"code": code}]})
    return mode


@router.post("/requests", response={201: CaseOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Ask the side behind an achievement, expert, demand or challenge to make contact")
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    model = selectors.target_model(payload.target_kind)
    if model is None:
        raise DomainError(_("Unknown target kind."), code="validation_error",
                          fields={"target_kind": [_("Choose achievement, expert, demand or challenge.")]})
    target = model.objects.filter(pk=payload.target_id).first()
    if target is None:
        raise NotFound()
    case = services.docking_request_create(
        requester=request.user, target_kind=payload.target_kind, **{payload.target_kind: target},  # type: ignore[arg-type]
        message=payload.message, cooperation_mode=_mode(payload.cooperation_mode), origin=payload.origin,
        event_name=payload.event_name, accept_terms=payload.accept_terms)
    return Status(201, _case_out(request, _case(request, case.pk)))


class CaseFilters(Schema):
    stage: str = ""
    target_kind: str = ""


@router.get("/cases", response={200: list[CaseListOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="The cases I am a party of or run (every case for operators)")
@paginate(PagePagination)
def case_list(request: HttpRequest, filters: Query[CaseFilters]):  # type: ignore[no-untyped-def]
    qs = selectors.cases_visible_to(request.user).order_by("-last_activity_at", "-id")
    if filters.stage:
        qs = qs.filter(status=filters.stage)
    if filters.target_kind:
        qs = qs.filter(target_kind=filters.target_kind)
    return qs


@router.get("/cases/{pk}", response={200: CaseOut, **ERRORS}, auth=AUTH_REQUIRED, summary="One case")
def case_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _case_out(request, _case(request, pk))


class TransitionIn(Schema):
    name: str = Field(description="accept, decline, meet, negotiate, sign_intent, contract, stall, resume, close")
    reason: str = ""
    decline_reason: str = Field("", description="With decline: not_relevant, no_capacity, already_partnered, "
                                                 "terms, insufficient or other.")


@router.post("/cases/{pk}/transitions", response={200: CaseOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Move a case along the pipeline")
def case_transition(request: HttpRequest, pk: int, payload: TransitionIn) -> dict[str, Any]:
    services.case_transition(actor=request.user, case=_case(request, pk), name=payload.name, reason=payload.reason,
                             decline_reason=payload.decline_reason)
    return _case_out(request, _case(request, pk))


class AssignIn(Schema):
    broker: int | None = Field(description="The broker's user id; null takes the broker off.")
    reason: str = ""


@router.put("/cases/{pk}/broker", response={200: CaseOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Assign the case's broker (operators); the history keeps every assignment")
def case_assign(request: HttpRequest, pk: int, payload: AssignIn) -> dict[str, Any]:
    broker = None
    if payload.broker is not None:
        broker = User.objects.filter(pk=payload.broker).first()
        if broker is None:
            raise DomainError(_("No such broker."), code="validation_error", fields={"broker": [_("No such broker.")]})
    services.case_assign_broker(actor=request.user, case=_case(request, pk), broker=broker, reason=payload.reason)
    return _case_out(request, _case(request, pk))


class ProposalOut(Schema):
    user_id: int
    name: str
    score: float
    reason: str
    open_cases: int
    level: str


@router.get("/cases/{pk}/proposals", response={200: list[ProposalOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Brokers the platform proposes for the case, with the reason (operators)")
def case_proposals(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    case = _case(request, pk)
    if not policies.can_assign_broker(request.user):
        raise PermissionDenied(_("Only operators assign brokers."))
    return [{**vars(p), "level": p.level_label} for p in selectors.broker_proposals(case)]


class TimelineOut(Schema):
    at: datetime
    kind: str = Field(description="note, call, meeting, message, file, or history")
    author: str | None
    body: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str = ""
    online_link: str = ""
    attendees: str = ""
    file_url: str | None = None
    ics_url: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    history_kind: str | None = None


@router.get("/cases/{pk}/timeline", response={200: list[TimelineOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="The case's entries and history that the caller may see, oldest first")
def case_timeline(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    case = _case(request, pk)
    out = []
    for item in selectors.case_timeline(user=request.user, case=case):
        if item.entry is not None:
            e = item.entry
            out.append({"at": item.at, "kind": e.kind, "author": e.author.full_name if e.author else None,
                        "body": e.body, "starts_at": e.starts_at, "ends_at": e.ends_at, "location": e.location,
                        "online_link": e.online_link, "attendees": e.attendees,
                        "file_url": f"/docking/cases/{case.pk}/files/{e.pk}/" if e.file else None,
                        "ics_url": f"/docking/cases/{case.pk}/meetings/{e.pk}.ics" if e.kind == "meeting" else None})
        elif item.history is not None:
            h = item.history
            out.append({"at": item.at, "kind": "history", "author": h.actor.full_name if h.actor else None,
                        "body": h.reason, "from_stage": h.from_status or None, "to_stage": h.to_status or None,
                        "history_kind": h.kind})
    return out


class EntryIn(Schema):
    kind: str = Field(description="note, call, meeting, message or file")
    body: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str = ""
    online_link: str = ""
    attendees: str = ""


@router.post("/cases/{pk}/entries", response={201: list[TimelineOut], **ERRORS}, auth=AUTH_REQUIRED,
             summary="Add a note, call, meeting, message or file to the case (multipart form)")
def case_entry(request: HttpRequest, pk: int, payload: Form[EntryIn],
               file: NinjaFile[UploadedFile] | None = None) -> Status[list[dict[str, Any]]]:
    services.case_add_entry(actor=request.user, case=_case(request, pk), kind=payload.kind, body=payload.body,
                            starts_at=payload.starts_at, ends_at=payload.ends_at, location=payload.location,
                            online_link=payload.online_link, attendees=payload.attendees, file=file)
    return Status(201, case_timeline(request, pk))


class IntentIn(Schema):
    scope: str
    signed_on: date
    supply_party: str = ""
    demand_party: str = ""
    event_name: str = ""
    cooperation_mode: str | None = None
    estimated_amount: Decimal | None = None
    currency: str = "CNY"


class IntentOut(Schema):
    id: int
    case: int | None
    event_name: str
    supply_party: str
    demand_party: str
    scope: str
    cooperation_mode: str | None
    estimated_amount: Decimal | None
    currency: str
    signed_on: date
    document_url: str | None

    @staticmethod
    def resolve_case(obj: CooperationIntent) -> int | None:
        return obj.case_id

    @staticmethod
    def resolve_cooperation_mode(obj: CooperationIntent) -> str | None:
        return obj.cooperation_mode.code if obj.cooperation_mode else None

    @staticmethod
    def resolve_document_url(obj: CooperationIntent) -> str | None:
        if not obj.document:
            return None
        return f"/docking/cases/{obj.case_id or 0}/intents/{obj.pk}/document/"


def _record_intent(request: HttpRequest, case: DockingRequest | None, payload: IntentIn,
                   document: UploadedFile | None) -> CooperationIntent:
    return services.intent_record(
        actor=request.user, case=case, event_name=payload.event_name, supply_party=payload.supply_party,
        demand_party=payload.demand_party, scope=payload.scope, signed_on=payload.signed_on,
        cooperation_mode=_mode(payload.cooperation_mode), estimated_amount=payload.estimated_amount,
        currency=payload.currency, document=document)


@router.post("/cases/{pk}/intents", response={201: IntentOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Record a cooperation intent on the case (multipart form; parties default to its sides)")
def case_intent(request: HttpRequest, pk: int, payload: Form[IntentIn],
                document: NinjaFile[UploadedFile] | None = None) -> Status[CooperationIntent]:
    return Status(201, _record_intent(request, _case(request, pk), payload, document))


@router.post("/intents", response={201: IntentOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Record a cooperation intent signed at an event (operators; multipart form)")
def event_intent(request: HttpRequest, payload: Form[IntentIn],
                 document: NinjaFile[UploadedFile] | None = None) -> Status[CooperationIntent]:
    return Status(201, _record_intent(request, None, payload, document))


@router.get("/intents", response={200: list[IntentOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Cooperation intents of the cases I see (every one for operators)")
@paginate(PagePagination)
def intent_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.intents_visible_to(request.user)


# --- Brokers ------------------------------------------------------------------------------------------------

class CertificateOut(Schema):
    name: str
    issuer: str
    issued_on: date | None
    expires_on: date | None


class BrokerOut(Schema):
    id: int
    name: str
    level: str
    organisation: str | None
    fields: list[str]
    regions: list[str]
    bio: str
    certificates: list[CertificateOut]
    training_hours: dict[str, Decimal]

    @staticmethod
    def resolve_name(obj: BrokerProfile) -> str:
        return obj.user.full_name

    @staticmethod
    def resolve_organisation(obj: BrokerProfile) -> str | None:
        return str(obj.organisation.display_name) if obj.organisation else None

    @staticmethod
    def resolve_fields(obj: BrokerProfile) -> list[str]:
        return [f.code for f in obj.fields.all()]

    @staticmethod
    def resolve_regions(obj: BrokerProfile) -> list[str]:
        return [r.code for r in obj.regions.all()]

    @staticmethod
    def resolve_certificates(obj: BrokerProfile) -> list[Any]:
        return list(obj.certificates.all())

    @staticmethod
    def resolve_training_hours(obj: BrokerProfile) -> dict[str, Decimal]:
        return selectors.training_hours(obj)


class DirectoryFilters(Schema):
    q: str = ""
    field: str = ""
    level: str = ""
    region: str = ""


@router.get("/brokers", response={200: list[BrokerOut], **ERRORS}, summary="The public broker directory (no figures)")
@paginate(PagePagination)
def broker_list(request: HttpRequest, filters: Query[DirectoryFilters]):  # type: ignore[no-untyped-def]
    profiles = selectors.broker_directory(q=filters.q, field_code=filters.field, level=filters.level,
                                          region_code=filters.region).prefetch_related("certificates", "trainings")
    return profiles


@router.get("/brokers/{pk}", response={200: BrokerOut, **ERRORS}, summary="One broker's public profile")
def broker_detail(request: HttpRequest, pk: int) -> BrokerProfile:
    return selectors.broker_profile(user=request.user, pk=pk)


class BrokerIn(Schema):
    level: str = Field("junior", description="commissioner, junior, intermediate or senior (operators set it)")
    fields: list[str] = []
    regions: list[str] = []
    bio: str = ""
    is_public: bool = True
    accepts_cases: bool = True


@router.put("/brokers/user/{user_id}", response={200: BrokerOut, **ERRORS}, auth=AUTH_REQUIRED,
            summary="Create or update a broker's profile (the broker; operators for any broker and the level)")
def broker_save(request: HttpRequest, user_id: int, payload: BrokerIn) -> BrokerProfile:
    subject = User.objects.filter(pk=user_id).first()
    if subject is None:
        raise NotFound()
    fields = list(TechField.objects.filter(code__in=payload.fields))
    regions = list(Region.objects.filter(code__in=payload.regions))
    unknown = sorted(set(payload.fields) - {f.code for f in fields}) + sorted(
        set(payload.regions) - {r.code for r in regions})
    if unknown:
        raise DomainError(_("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}, code="validation_error")
    profile = services.broker_profile_save(
        actor=request.user, user=subject, level=payload.level, fields=fields, regions=regions, bio=payload.bio, is_public=payload.is_public, accepts_cases=payload.accepts_cases)
    return selectors.broker_profile(user=request.user, pk=profile.pk)


class TrainingIn(Schema):
    course: str
    module: str = Field(description="common, policy_law, practice or improvement")
    hours: Decimal
    completed_on: date


@router.post("/brokers/{pk}/trainings", response={201: BrokerOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Add a training record to a broker profile")
def broker_training(request: HttpRequest, pk: int, payload: TrainingIn) -> Status[BrokerProfile]:
    profile = selectors.broker_profile(user=request.user, pk=pk)
    services.training_add(actor=request.user, profile=profile, **payload.dict())
    return Status(201, selectors.broker_profile(user=request.user, pk=pk))


class CertificateIn(Schema):
    name: str
    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    expires_on: date | None = None


@router.post("/brokers/{pk}/certificates", response={201: BrokerOut, **ERRORS}, auth=AUTH_REQUIRED,
             summary="Add a certificate (multipart form, with its file) to a broker profile")
def broker_certificate(request: HttpRequest, pk: int, payload: Form[CertificateIn],
                       file: NinjaFile[UploadedFile] | None = None) -> Status[BrokerProfile]:
    profile = selectors.broker_profile(user=request.user, pk=pk)
    services.certificate_add(actor=request.user, profile=profile, file=file, **payload.dict())
    return Status(201, selectors.broker_profile(user=request.user, pk=pk))


class LedgerOut(Schema):
    broker_id: int
    name: str
    level: str
    opened: int
    accepted: int
    meetings: int
    intents: int
    contracts: int
    amounts: dict[str, Decimal]
    median_days: dict[str, float]


class PeriodIn(Schema):
    start: date | None = None
    end: date | None = None


@router.get("/ledger", response={200: list[LedgerOut], **ERRORS}, auth=AUTH_REQUIRED,
            summary="Performance per broker for a period (operators: every broker, ranked; a broker: their own)")
def ledger(request: HttpRequest, period: Query[PeriodIn]) -> list[dict[str, Any]]:
    _start, _end, rows = selectors.ledger_for(user=request.user, start=period.start, end=period.end)
    return [vars(r) for r in rows]

