"""Docking pages: my requests, the case page (timeline, consent, pipeline, broker, intents), the
kanban board and the list for brokers and operators, the broker directory, profile and ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.accounts import policies as account_policies
from duijie.accounts.models import User
from duijie.core.errors import DomainError, NotFound, PermissionDenied
from duijie.core.pagination import paginate, query_without_page
from duijie.core.web import call_service
from duijie.docking import ics, policies, selectors, services, workflow
from duijie.docking.enums import (
    BOARD_STAGES,
    BrokerLevel,
    CaseStage,
    EntryKind,
    Origin,
    TargetKind,
    TrainingModule,
)
from duijie.docking.forms import (
    AssignForm,
    BrokerProfileForm,
    CertificateForm,
    EntryForm,
    IntentForm,
    MoveForm,
    PeriodForm,
    RequestForm,
    TrainingForm,
    TransitionForm,
)
from duijie.docking.models import BrokerProfile, CaseEntry, DockingRequest


def _case(request: HttpRequest, pk: int) -> DockingRequest:
    try:
        return selectors.case_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


# --- Requests ---------------------------------------------------------------------------------------------

@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    sent, received = selectors.my_requests(user=request.user)
    return render(request, "docking/inbox.html", {
        "sent": paginate(request, sent, per_page=20),
        "received": list(received[:100]),
        "next_step": workflow.NEXT_STEP,
    })


@login_required
def request_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Ask to make contact about an expert, a demand or a challenge (achievements have their form on
    their page); from a recommendation or an event too (``?origin=``)."""
    if kind == TargetKind.ACHIEVEMENT:
        raise Http404  # its page has the form
    try:
        target = selectors.request_target(user=request.user, kind=kind, pk=pk)
    except NotFound:
        raise Http404 from None
    origin = request.GET.get("origin") or request.POST.get("origin") or Origin.PAGE
    form = RequestForm(request.POST or None)
    needs_terms = selectors.requester_needs_terms(user=request.user, kind=kind, target=target)
    if not needs_terms:
        del form.fields["accept_terms"]
    if request.method == "POST" and form.is_valid():
        case = call_service(request, services.docking_request_create, form=form, requester=request.user,
                            target_kind=kind, **{kind: target}, message=form.cleaned_data["message"],
                            cooperation_mode=form.cleaned_data["cooperation_mode"],
                            origin=Origin.EVENT if form.cleaned_data["event_name"] else origin,
                            event_name=form.cleaned_data["event_name"], accept_terms=form.cleaned_data.get("accept_terms", False))
        if case is not None:
            messages.success(request, _("Request sent. Contact details are shared once the other side accepts."))
            return redirect("docking:case", pk=case.pk)
    title = getattr(target, "name", "") if kind == TargetKind.EXPERT else policies.demand_behind(kind, target).title
    return render(request, "docking/request_form.html", {"form": form, "kind": kind, "target": target,
                                                         "title": title, "origin": origin, "needs_terms": needs_terms})


# --- The case page ------------------------------------------------------------------------------------------

def _entry_kinds(user: Any, case: DockingRequest) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in EntryKind.choices if policies.can_add_entry(user, case, value)]


def _flash_errors(request: HttpRequest, form: Any) -> None:
    """A side form of the case page was refused: its errors as flash messages above the page."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _case_intent_form(data: Any = None, files: Any = None) -> IntentForm:
    form = IntentForm(data, files, initial={"signed_on": timezone.localdate()})
    del form.fields["event_name"]  # a case's intent belongs to the case (and its event, if any)
    return form


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    user = request.user
    runs = policies.runs_case(user, case)
    kinds = _entry_kinds(user, case)
    context = {
        "case": case,
        "title": case.target_title,
        "contacts": selectors.case_contacts(user=user, case=case),
        "consented": policies.consented(case),
        "needs_terms": policies.needs_terms(case) and case.terms_accepted_at is None,
        "runs": runs,
        "is_target_side": policies.is_target_side(user, case),
        # Contract registration arrives with the contracts module: until then the step is not offered.
        "transitions": [t for t in workflow.available_transitions(user, case) if t.name != "contract"],
        "contract_pending": case.status == CaseStage.INTENT_SIGNED,
        "transition_form": TransitionForm(),
        "timeline": selectors.case_timeline(user=user, case=case),
        "entry_form": EntryForm(kinds=kinds) if kinds else None,
        "intents": list(case.intents.select_related("cooperation_mode")),
        "intent_form": _case_intent_form() if policies.can_record_intent(user, case) else None,
        "next_step": workflow.NEXT_STEP.get(case.status, ""),
        "card": selectors.cards([case])[0],
    }
    if policies.can_assign_broker(user):
        context["brokers"] = selectors.brokers_to_assign()
        context["proposals"] = selectors.broker_proposals(case)
        context["assign_form"] = AssignForm()
    return render(request, "docking/case.html", context)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid() and call_service(
        request, services.case_transition, actor=request.user, case=case, name=form.cleaned_data["name"],
        reason=form.cleaned_data["reason"], decline_reason=form.cleaned_data["decline_reason"],
    ):
        messages.success(request, _("Done."))
    return redirect("docking:case", pk=pk)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        broker_id = form.cleaned_data["broker"]
        broker = User.objects.filter(pk=broker_id).first() if broker_id else None
        if broker_id and broker is None:
            messages.error(request, _("No such broker."))
        elif call_service(request, services.case_assign_broker, actor=request.user, case=case, broker=broker,
                          reason=form.cleaned_data["reason"], default=True):
            messages.success(request, _("Broker saved."))
    return redirect("docking:case", pk=pk)


@login_required
@require_POST
def add_entry(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = EntryForm(request.POST, request.FILES)
    if not form.is_valid():
        _flash_errors(request, form)
    else:
        data = form.cleaned_data
        if call_service(request, services.case_add_entry, flash_fields=True, actor=request.user, case=case, kind=data["kind"],
                        body=data["body"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                        location=data["location"], online_link=data["online_link"], attendees=data["attendees"],
                        file=data["file"]):
            messages.success(request, _("Added to the case."))
    return redirect("docking:case", pk=pk)


@login_required
@require_POST
def add_intent(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = _case_intent_form(request.POST, request.FILES)
    if not form.is_valid():
        _flash_errors(request, form)
    elif call_service(request, services.intent_record, flash_fields=True, actor=request.user, case=case, **form.cleaned_data):
        messages.success(request, _("Cooperation intent recorded."))
    return redirect("docking:case", pk=pk)


@login_required
def meeting_ics(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        meeting = selectors.meeting_for(user=request.user, case=case, entry_id=entry)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(ics.meeting_calendar(meeting, case.target_title, request.build_absolute_uri(
        f"/docking/cases/{case.pk}/")), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="duijie-case-{case.pk}-meeting-{meeting.pk}.ics"'
    return response


def _file_response(stored: Any, name: str) -> HttpResponse:
    from django.http import FileResponse

    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name or stored.name.rsplit("/", 1)[-1])


@login_required
def entry_file(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """A timeline entry's file, for whoever may see the entry (files live outside /media/)."""
    case = _case(request, pk)
    found = CaseEntry.objects.filter(case=case, pk=entry).first()
    if found is None or not policies.can_see_entry(request.user, case, found.kind):
        raise Http404
    return _file_response(found.file, "")


@login_required
def intent_document(request: HttpRequest, pk: int, intent: int) -> HttpResponse:
    found = selectors.intents_visible_to(request.user).filter(pk=intent).first()
    if found is None or (found.case_id is not None and found.case_id != pk):
        raise Http404
    return _file_response(found.document, "")


def certificate_file(request: HttpRequest, pk: int, certificate: int) -> HttpResponse:
    """A certificate's scan: the broker and operators (the public profile lists the certificate only)."""
    profile = get_object_or_404(BrokerProfile, pk=pk)
    if not policies.can_edit_broker_profile(request.user, profile):
        raise Http404
    return _file_response(get_object_or_404(profile.certificates, pk=certificate).file, "")


@login_required
def intents(request: HttpRequest) -> HttpResponse:
    """Cooperation intents the user may see; operators record those signed at an event here
    ("six enterprises extended an olive branch to the roadshow teams")."""
    may_record = policies.can_record_intent(request.user, None)
    form = IntentForm(request.POST or None, request.FILES or None, initial={"signed_on": timezone.localdate()})
    if request.method == "POST":
        if not may_record:
            raise DjangoPermissionDenied
        if form.is_valid() and call_service(request, services.intent_record, form=form, actor=request.user,
                                            **form.cleaned_data):
            messages.success(request, _("Cooperation intent recorded."))
            return redirect("docking:intents")
    event = request.GET.get("event", "").strip()[:200]
    rows = selectors.intents_visible_to(request.user).order_by("-signed_on", "-pk")
    if event:
        rows = rows.filter(event_name=event)
    return render(request, "docking/intents.html", {"page": paginate(request, rows, per_page=30), "form": form,
                                                    "may_record": may_record, "event": event,
                                                    "querystring": query_without_page(request)})


# --- Board and list ---------------------------------------------------------------------------------------------

def _board_filters(request: HttpRequest) -> dict[str, Any]:
    broker = request.GET.get("broker", "")
    return {"broker_id": int(broker) if broker.isdigit() else None, "kind": request.GET.get("kind", ""),
            "q": request.GET.get("q", "").strip()[:100]}


def _require_board(request: HttpRequest) -> None:
    if not policies.can_use_board(request.user):
        raise DjangoPermissionDenied


def _board_context(request: HttpRequest, filters: dict[str, Any]) -> dict[str, Any]:
    return {"columns": selectors.board_columns(user=request.user, **filters), "filters": filters,
            "stages": [(s, CaseStage(s).label) for s in BOARD_STAGES], "kinds": TargetKind.choices,
            "brokers": selectors.brokers_to_assign() if account_policies.is_operator(request.user) else [],
            "querystring": query_without_page(request)}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    _require_board(request)
    return render(request, "docking/board.html", _board_context(request, _board_filters(request)))


@login_required
@require_POST
def move(request: HttpRequest) -> HttpResponse:
    """A card dropped on a column (htmx), or moved with the card's own form (keyboard, no script)."""
    _require_board(request)
    form = MoveForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.case_move(actor=request.user, case=_case(request, form.cleaned_data["case"]),
                               stage=form.cleaned_data["stage"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            error = str(exc.message)
    else:
        error = _("Choose a stage.")
    if request.htmx:  # type: ignore[attr-defined]
        context = _board_context(request, _board_filters(request))
        context["error"] = error
        return render(request, "docking/_board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("docking:board")


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _require_board(request)
    filters = _board_filters(request)
    stage = request.GET.get("stage", "")
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.case_list(user=request.user, stage=stage, overdue=overdue, **filters)
    return render(request, "docking/list.html", {
        "page": paginate(request, rows, per_page=30), "filters": filters, "stage": stage, "overdue": overdue,
        "stages": [(s, CaseStage(s).label) for s in BOARD_STAGES], "kinds": TargetKind.choices,
        "brokers": selectors.brokers_to_assign() if account_policies.is_operator(request.user) else [],
        "querystring": query_without_page(request)})


# --- Brokers ------------------------------------------------------------------------------------------------

def broker_directory(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    profiles = selectors.broker_directory(q=request.GET.get("q", "").strip()[:100],
                                          field_code=request.GET.get("field", ""), level=level)
    return render(request, "docking/brokers.html", {"page": paginate(request, profiles, per_page=24),
                                                    "levels": BrokerLevel.choices, "level": level,
                                                    "querystring": query_without_page(request)})


def broker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        profile = selectors.broker_profile(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return render(request, "docking/broker.html", {
        "profile": profile, "hours": selectors.training_hours(profile), "modules": TrainingModule.choices,
        "can_edit": policies.can_edit_broker_profile(request.user, profile),
        "today": timezone.localdate()})


@login_required
def broker_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A broker's own profile (``/brokers/me/``), or any broker's for operators."""
    user = request.user
    if pk is None:
        if not getattr(user, "is_broker", False):
            raise DjangoPermissionDenied
        subject = user
    else:
        profile_of = get_object_or_404(BrokerProfile, pk=pk)
        subject = profile_of.user
    profile = BrokerProfile.objects.filter(user=subject).first()
    if profile is not None and not policies.can_edit_broker_profile(user, profile):
        raise DjangoPermissionDenied
    if profile is None and not (account_policies.is_operator(user) or subject == user):
        raise DjangoPermissionDenied
    initial = {"level": profile.level, "fields_": profile.fields.all(), "regions": profile.regions.all(),
               "bio": profile.bio, "is_public": profile.is_public, "accepts_cases": profile.accepts_cases} \
        if profile else {"is_public": True, "accepts_cases": True,
                         "level": BrokerLevel.COMMISSIONER if subject.platform_role == "commissioner" else
                         BrokerLevel.JUNIOR}
    form = BrokerProfileForm(request.POST or None, initial=initial)
    if not account_policies.is_operator(user):
        form.fields["level"].disabled = True
    cert_form, training_form = CertificateForm(), TrainingForm()
    action = request.POST.get("action", "profile")
    if request.method == "POST":
        saved = None
        if action == "profile" and form.is_valid():
            data = form.cleaned_data
            saved = call_service(request, services.broker_profile_save, form=form, actor=user, user=subject,
                                 level=data["level"] or initial["level"], fields=list(data["fields_"]),
                                 regions=list(data["regions"]), bio=data["bio"], is_public=data["is_public"], accepts_cases=data["accepts_cases"])
        elif action == "certificate" and profile is not None:
            cert_form = CertificateForm(request.POST, request.FILES)
            if cert_form.is_valid():
                saved = call_service(request, services.certificate_add, form=cert_form, actor=user, profile=profile,
                                     **cert_form.cleaned_data)
        elif action == "training" and profile is not None:
            training_form = TrainingForm(request.POST)
            if training_form.is_valid():
                saved = call_service(request, services.training_add, form=training_form, actor=user,
                                     profile=profile, **training_form.cleaned_data)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(request.path)
    return render(request, "docking/broker_edit.html", {"form": form, "profile": profile, "subject": subject,
                                                        "cert_form": cert_form, "training_form": training_form})


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """Operators: every broker ranked; a broker: their own figures."""
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    try:
        start, end, rows = selectors.ledger_for(user=request.user, start=period.get("start"), end=period.get("end"))
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    return render(request, "docking/ledger.html", {"rows": rows, "form": form, "start": start, "end": end,
                                                   "stages": [(s, CaseStage(s).label) for s in BOARD_STAGES[:5]]})
