from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.accounts.enums import OrganisationType
from duijie.accounts.models import Organisation, User
from duijie.core.errors import DomainError
from duijie.core.pagination import paginate, query_without_page
from duijie.core.views import permission_denied
from duijie.core.web import call_service
from duijie.demand import policies, selectors, services
from duijie.demand.enums import CHALLENGE_ORDER, ApplicationStatus
from duijie.demand.forms import ApplicationForm, ChallengeForm, DemandForm, TransitionForm
from duijie.demand.models import Challenge, Demand, Objection
from duijie.demand.workflow import NEXT_STEP, ScreeningCheck, available_transitions


def board(request: HttpRequest) -> HttpResponse:
    """The public demand board: the same for everyone; every filter state is a shareable URL."""
    query = selectors.BoardQuery.from_params(request.GET)
    page = paginate(request, selectors.board_results(user=request.user, query=query),
                    per_page=selectors.BOARD_PAGE_SIZE)
    template = "demand/_board_results.html" if request.htmx else "demand/board.html"
    return render(request, template, {
        "query": query, "page": page, "facets": selectors.board_facets(user=request.user, query=query),
        "querystring": query_without_page(request),
    })


def _get(request: HttpRequest, pk: int) -> Demand:
    try:
        return selectors.demand_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    view = selectors.demand_view(user=request.user, demand=demand)
    return render(request, "demand/detail.html", {
        "demand": demand, "view": view,
        "can_edit": policies.can_edit_demand(request.user, demand),
        "transitions": available_transitions(request.user, demand),
        "checklist": ScreeningCheck.ITEMS,
        "history": selectors.demand_history(user=request.user, demand=demand)[:30],
        "duplicates": selectors.likely_duplicates(user=request.user, demand=demand),
        "next_step": NEXT_STEP.get(demand.status, "") if policies.is_owner_member(request.user, demand) else "",
        "brokers": selectors.brokers_available(user=request.user),
        "terms_version": policies.TERMS_VERSION,
        "challenge": selectors.challenges_visible_to(request.user).filter(demand=demand).first(),
        "recommendations": (recommendations := _recommendations(request, demand)),
        "matching_building": _matching_building(request, demand) if not recommendations else None,
        "experts": _experts(request, demand),
        "can_create_challenge": policies.can_create_challenge(request.user, demand),
    })


@login_required
@require_POST
def accept_terms(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    if call_service(request, services.demand_accept_terms, actor=request.user, demand=demand):
        messages.success(request, _("Thank you. The details are open to you now."))
    return redirect("demand:detail", pk=pk)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid() and call_service(
        request, services.demand_transition, actor=request.user, demand=demand, name=form.cleaned_data["name"],
        reason=form.cleaned_data["reason"], checklist=form.cleaned_data["checklist"],
    ):
        messages.success(request, _("Done."))
    if not selectors.demands_visible_to(request.user).filter(pk=pk).exists():
        return redirect("demand:board")
    return redirect("demand:detail", pk=pk)


@login_required
@require_POST
def assign_brokers(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    ids = [int(v) for v in request.POST.getlist("brokers") if v.isdigit()]
    if call_service(request, services.demand_assign_brokers, actor=request.user, demand=demand, broker_ids=ids):
        messages.success(request, _("Brokers saved."))
    return redirect("demand:detail", pk=pk)


def _matched(request: HttpRequest, demand: Demand) -> bool:
    """Whether the page shows this demand's matches: while it is being matched, to those who see all of
    it (only they: no hidden detail leaks)."""
    return demand.status in ("published", "matching", "brokering") and policies.is_privileged(request.user, demand)


def _recommendations(request: HttpRequest, demand: Demand) -> list:  # type: ignore[type-arg]
    """Matching achievements, logged as shown."""
    if not _matched(request, demand):
        return []
    from duijie.matching import selectors as matching
    from duijie.matching import services as matching_services

    found = matching.recommendations_for_demand(user=request.user, demand=demand, k=8)
    matching_services.log_impressions(user=request.user, surface="demand", recommendations=found)
    return found


def _matching_building(request: HttpRequest, demand: Demand) -> Any:
    """The first build of the matching index while it runs (recommendations come once it is done)."""
    if not _matched(request, demand):
        return None
    from duijie.matching import selectors as matching

    return matching.index_first_build()


def _experts(request: HttpRequest, demand: Demand) -> list:  # type: ignore[type-arg]
    """Matching experts, for the same people as the achievements; logged as shown, like them."""
    if not _matched(request, demand):
        return []
    from duijie.matching import selectors as matching
    from duijie.matching import services as matching_services

    found = matching.experts_for_demand(user=request.user, demand=demand, k=5)
    matching_services.log_expert_impressions(user=request.user, demand=demand, matches=found)
    return found


def _edit_page(request: HttpRequest, *, organisation, demand=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    if request.method == "POST":
        form = DemandForm(request.POST)
    elif demand is not None:
        form = DemandForm(initial=DemandForm.initial_for(demand))
    else:
        form = DemandForm(initial={
            "language": request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("zh-hans", "zh-hant", "en", "ru")
            else "zh-hans",
            "confidentiality": "public", "budget_type": "negotiable", "currency": "CNY",
            "contact_name": request.user.full_name, "contact_email": request.user.email,
        })
    if request.method == "POST" and form.is_valid():
        if demand is None:
            saved = call_service(request, services.demand_create, form=form, actor=request.user,
                                 organisation=organisation, data=form.to_data())
        else:
            saved = call_service(request, services.demand_update, form=form, actor=request.user, demand=demand,
                                 data=form.to_data())
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("demand:detail", pk=saved.pk)
    return render(request, "demand/form.html", {"form": form, "organisation": organisation, "demand": demand})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    enterprises = list(selectors.creatable_enterprises(user=request.user))
    if not enterprises:
        return render(request, "demand/no_enterprise.html", status=403)
    wanted = request.GET.get("organisation") or request.POST.get("organisation_id")
    organisation = next((o for o in enterprises if str(o.pk) == wanted), None)
    if organisation is None:
        if len(enterprises) == 1:
            organisation = enterprises[0]
        else:
            return render(request, "demand/choose_enterprise.html", {"enterprises": enterprises})
    return _edit_page(request, organisation=organisation)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    if not policies.can_edit_demand(request.user, demand):
        return permission_denied(request, None)
    return _edit_page(request, organisation=demand.organisation, demand=demand)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.my_demands(user=request.user))
    rows = [(d, NEXT_STEP.get(d.status, "")) for d in page.object_list]
    return render(request, "demand/mine.html", {
        "page": page, "rows": rows, "can_create": selectors.creatable_enterprises(user=request.user).exists(),
    })


@login_required
def screening(request: HttpRequest) -> HttpResponse:
    if not policies.can_screen(request.user):
        return permission_denied(request, None)
    page = paginate(request, selectors.screening_queue(user=request.user))
    return render(request, "demand/screening.html", {"page": page})


# --- Open challenges (揭榜挂帅) ---------------------------------------------------------------------



def challenge_board(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.challenge_board(user=request.user), per_page=selectors.BOARD_PAGE_SIZE)
    now = timezone.now()
    return render(request, "demand/challenge_board.html", {
        "page": page, "open_ids": {c.pk for c in page.object_list if selectors.challenge_window_open(c, now)},
    })


def _challenge(request: HttpRequest, pk: int) -> Challenge:
    try:
        return selectors.challenge_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    user = request.user
    eligible = selectors.eligible_organisations(user=user, challenge=challenge)
    window_open = selectors.challenge_window_open(challenge)
    can_view_all = policies.can_view_applications(user, challenge)
    form = None
    if window_open and eligible:
        form = ApplicationForm(organisations=Organisation.objects.filter(pk__in=[o.pk for o in eligible]))
        if request.method == "POST" and request.POST.get("action") == "apply":
            form = ApplicationForm(request.POST, organisations=form.fields["organisation"].queryset)
            if form.is_valid():
                d = form.cleaned_data
                from duijie.demand.services import ApplicationData

                if call_service(request, services.application_submit, form=form, actor=user, challenge=challenge,
                                organisation=d["organisation"], data=ApplicationData(
                                    proposal=d["proposal"], technical_route=d["technical_route"],
                                    budget=d["budget"], timeline=d["timeline"], team=d["team"])):
                    messages.success(request, _("Your application is in. You may withdraw it until the deadline."))
                    return redirect("demand:challenge", pk=pk)
    stage_index = CHALLENGE_ORDER.index(challenge.stage)
    return render(request, "demand/challenge_detail.html", {
        "challenge": challenge, "demand": challenge.demand,
        "eligible_kinds": [label for value, label in OrganisationType.choices if value in challenge.eligible_kinds],
        "stages": [(value, label, n < stage_index, n == stage_index)
                   for n, (value, label) in enumerate(challenge._meta.get_field("stage").choices)],
        "window_open": window_open, "form": form, "eligible": eligible,
        "applications": selectors.applications_visible_to(user=user, challenge=challenge),
        "can_view_all": can_view_all,
        "ranking": selectors.challenge_ranking(challenge=challenge) if can_view_all else [],
        "can_manage": policies.can_manage_challenge(user),
        "is_reviewer": policies.is_reviewer(user, challenge),
        "reviewers": challenge.reviewers.select_related("user"),
        "candidates": selectors.reviewer_candidates(user=user, challenge=challenge),
        "objections": challenge.objections.all() if policies.can_manage_challenge(user) else [],
        "can_object": challenge.stage == "publicity" and user.is_authenticated and challenge.publicity_ends_at
        and timezone.now() < challenge.publicity_ends_at,
        "now": timezone.now(),
    })


@login_required
@require_POST
def challenge_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The operators' and teams' buttons on the challenge page, one service each."""
    challenge = _challenge(request, pk)
    action = request.POST.get("action", "")
    done = None
    if action == "advance":
        done = call_service(request, services.challenge_advance, actor=request.user, challenge=challenge,
                            note=request.POST.get("note", ""))
    elif action == "reviewer":
        reviewer = User.objects.filter(pk=request.POST.get("user") or 0, is_active=True).first()
        if reviewer is not None:
            done = call_service(request, services.reviewer_assign, actor=request.user, challenge=challenge,
                                user=reviewer)
    elif action == "withdraw":
        application = selectors.applications_visible_to(user=request.user, challenge=challenge).filter(
            pk=request.POST.get("application") or 0, status=ApplicationStatus.SUBMITTED).first()
        if application is not None:
            done = call_service(request, services.application_withdraw, actor=request.user, application=application)
    elif action == "object":
        done = call_service(request, services.objection_raise, actor=request.user, challenge=challenge,
                            text=request.POST.get("text", ""))
    elif action == "resolve":
        objection = Objection.objects.filter(pk=request.POST.get("objection") or 0, challenge=challenge).first()
        if objection is not None:
            done = call_service(request, services.objection_resolve, actor=request.user, objection=objection,
                                resolution=request.POST.get("resolution", ""))
    if done:
        messages.success(request, _("Done."))
    return redirect("demand:challenge", pk=pk)


@login_required
def challenge_create(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    if not policies.can_create_challenge(request.user, demand):
        return permission_denied(request, None)
    form = ChallengeForm(request.POST or None, initial={"currency": "CNY", "bounty_payer": demand.organisation.name})
    if request.method == "POST" and form.is_valid():
        challenge = call_service(request, services.challenge_create, form=form, actor=request.user, demand=demand,
                                 data=form.to_data())
        if challenge is not None:
            messages.success(request, _("Saved."))
            return redirect("demand:challenge", pk=challenge.pk)
    return render(request, "demand/challenge_form.html", {"form": form, "demand": demand})


@login_required
def challenge_review(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    """A reviewer's page for one application: the declaration first, then a score per criterion."""
    challenge = _challenge(request, pk)
    if not policies.is_reviewer(request.user, challenge):
        return permission_denied(request, None)
    application = get_object_or_404(challenge.applications.select_related("organisation"), pk=application_pk)
    criteria = list(challenge.criteria.all())
    if request.method == "POST":
        if request.POST.get("action") == "declare":
            if call_service(request, services.conflict_declare, actor=request.user, application=application,
                            conflicted=request.POST.get("conflicted") == "yes", note=request.POST.get("note", "")):
                messages.success(request, _("Declaration recorded."))
        else:
            values = {}
            for criterion in criteria:
                with contextlib.suppress(InvalidOperation):
                    values[criterion.pk] = (Decimal(request.POST.get(f"score-{criterion.pk}", "")),
                                            request.POST.get(f"comment-{criterion.pk}", ""))
            if call_service(request, services.scores_submit, actor=request.user, application=application,
                            values=values):
                messages.success(request, _("Scores saved."))
                return redirect("demand:challenge", pk=pk)
        return redirect("demand:challenge_review", pk=pk, application_pk=application_pk)
    declaration, scores = selectors.my_review(user=request.user, application=application)
    return render(request, "demand/challenge_review.html", {
        "challenge": challenge, "application": application, "declaration": declaration,
        "rows": [(c, scores.get(c.pk)) for c in criteria],
    })


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a filled-in template: a dry run shows the report; the import writes all rows or none."""
    from duijie.demand import imports

    enterprises = list(selectors.creatable_enterprises(user=request.user))
    if not enterprises:
        return render(request, "demand/no_enterprise.html", status=403)
    report = None
    if request.method == "POST":
        organisation = next((o for o in enterprises if str(o.pk) == request.POST.get("organisation")), None)
        upload = request.FILES.get("file")
        if organisation is None or upload is None:
            messages.error(request, _("Choose the enterprise and a file."))
        else:
            report = call_service(request, imports.demands_import, actor=request.user, organisation=organisation,
                                  upload=upload, dry_run=request.POST.get("dry_run") == "on")
            if report is not None and not report.problems and request.POST.get("dry_run") != "on":
                messages.success(request, _("%(created)d demands created, %(updated)d updated.") % {
                    "created": report.created, "updated": report.updated})
                return redirect("demand:mine")
    return render(request, "demand/import.html", {"enterprises": enterprises, "report": report,
                                                   "columns": imports.COLUMNS})


def import_template(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    from duijie.demand import imports

    language = "en" if request.GET.get("lang") == "en" else "zh"
    if fmt == "xlsx":
        response = HttpResponse(imports.template_xlsx(language), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    else:
        response = HttpResponse(imports.template_csv(language), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="duijie-demands-template-{language}.{fmt}"'
    return response


@login_required
@require_POST
def demand_file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _get(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    elif call_service(request, services.demand_attachment_add, actor=request.user, demand=demand, upload=upload):
        messages.success(request, _("File added."))
    return redirect("demand:detail", pk=pk)


def demand_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A demand's file, to those who see its details (files are never served under /media/)."""
    from django.http import FileResponse

    demand = _get(request, pk)
    if not selectors.demand_view(user=request.user, demand=demand).details:
        raise Http404()
    attachment = demand.attachments.filter(pk=file_pk).first()
    if attachment is None:
        raise Http404()
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def application_file_upload(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    application = selectors.applications_visible_to(user=request.user, challenge=challenge).filter(
        pk=application_pk).first()
    upload = request.FILES.get("file")
    if application is None or upload is None:
        messages.error(request, _("Choose a file."))
    elif call_service(request, services.application_attachment_add, actor=request.user, application=application,
                      document=request.POST.get("document", ""), upload=upload):
        messages.success(request, _("File added."))
    return redirect("demand:challenge", pk=pk)


@login_required
def application_file(request: HttpRequest, pk: int, application_pk: int, file_pk: int) -> HttpResponse:
    """An application's document: to the team, the panel, the enterprise and operators."""
    from django.http import FileResponse

    challenge = _challenge(request, pk)
    application = selectors.applications_visible_to(user=request.user, challenge=challenge).filter(
        pk=application_pk).first()
    attachment = application.attachments.filter(pk=file_pk).first() if application else None
    if attachment is None:
        raise Http404()
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
