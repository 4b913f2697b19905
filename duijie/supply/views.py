from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.accounts import policies as account_policies
from duijie.accounts.selectors import organisation_get, user_memberships
from duijie.core.errors import DomainError
from duijie.core.pagination import paginate, query_without_page
from duijie.core.views import permission_denied
from duijie.core.web import call_service
from duijie.docking import selectors as docking_selectors
from duijie.docking.services import docking_request_create
from duijie.supply import policies, selectors, services
from duijie.supply.display import localised
from duijie.supply.forms import (
    AchievementForm,
    DockingRequestForm,
    IPAssetFormSet,
    TransitionForm,
    ip_assets_from,
)
from duijie.supply.workflow import ScreeningCheck, available_transitions


def hall(request: HttpRequest) -> HttpResponse:
    """The public exhibition hall: every filter state is a shareable URL."""
    query = selectors.HallQuery.from_params(request.GET)
    results = selectors.hall_results(user=request.user, query=query)
    page = paginate(request, results, per_page=selectors.HALL_PAGE_SIZE)
    template = "supply/_hall_results.html" if request.htmx else "supply/hall.html"
    return render(request, template, {
        "query": query, "page": page, "cards": [localised(a) for a in page.object_list],
        # Counted only when the template's cached facet panel (per hall version and filters) is missing.
        "facets": SimpleLazyObject(lambda: selectors.hall_facets(user=request.user, query=query)),
        "hall_version": results.version,
        "querystring": query_without_page(request), "sorts": _sorts(query),
    })


def hall_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The hall's current filter state (same URL parameters) as XLSX or CSV."""
    from django.conf import settings

    from duijie.supply import exports

    query = selectors.HallQuery.from_params(request.GET)
    rows = selectors.hall_results(user=request.user, query=query).prefetch_related("cooperation_modes")[
        : exports.MAX_EXPORT_ROWS]
    site_url = settings.SITE_URL.rstrip("/")
    if fmt == "xlsx":
        body = exports.export_xlsx(rows, site_url=site_url)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exports.export_csv(rows, site_url=site_url)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="duijie-achievements.{fmt}"'
    return response


def _sorts(query: selectors.HallQuery) -> list[tuple[str, str]]:
    options = [("newest", _("Newest")), ("views", _("Most viewed"))]
    if query.q:
        options.insert(0, ("relevance", _("Relevance")))
    return options


def _get(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.achievement_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


def _visitor(request: HttpRequest) -> str:
    """A stable, anonymous key for "one view per visitor and day"."""
    if request.user.is_authenticated:
        raw = f"u{request.user.pk}"
    else:
        raw = f"a{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    user = request.user
    services.achievement_record_view(achievement=achievement, visitor=_visitor(request),
                                     user_agent=request.META.get("HTTP_USER_AGENT", ""))
    return render(request, "supply/achievement_detail.html", {
        "achievement": achievement,
        "card": localised(achievement),
        "can_edit": policies.can_edit_achievement(user, achievement),
        "can_see_contact": policies.can_see_contact(user, achievement),
        "can_request_docking": policies.can_request_docking(user, achievement),
        "has_open_request": docking_selectors.has_open_request(user=user, achievement=achievement),
        "transitions": available_transitions(user, achievement),
        "checklist": ScreeningCheck.ITEMS,
        "history": selectors.achievement_history(user=user, achievement=achievement)[:20],
        "docking_form": DockingRequestForm(),
        "matching_demands": _matching_demands(request, achievement),
    })


def _matching_demands(request: HttpRequest, achievement) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Board demands this achievement could answer: for its institution, brokers and operators."""
    from duijie.matching import selectors as matching

    if achievement.status not in ("published", "in_negotiation"):
        return []
    from duijie.matching import services as matching_services

    found = matching.demands_for_achievement(user=request.user, achievement=achievement, k=6)
    matching_services.log_impressions(user=request.user, surface="achievement", recommendations=found)
    return found


@login_required
@require_POST
def achievement_transition(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid() and call_service(
        request, services.achievement_transition, actor=request.user, achievement=achievement,
        name=form.cleaned_data["name"], reason=form.cleaned_data["reason"], checklist=form.cleaned_data["checklist"],
    ):
        messages.success(request, _("Done."))
    # After archiving, say, the item may no longer be visible to the person who moved it.
    if not selectors.achievements_visible_to(request.user).filter(pk=pk).exists():
        return redirect("supply:hall")
    return redirect("supply:achievement_detail", pk=pk)


@login_required
@require_POST
def docking_request(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    form = DockingRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell the team in a sentence or two what you are looking for."))
    else:
        case = call_service(request, docking_request_create, requester=request.user, achievement=achievement,
                            message=form.cleaned_data["message"], cooperation_mode=form.cleaned_data["cooperation_mode"],
                            origin=request.POST.get("origin") or "page")
        if case is not None:
            messages.success(request, _("Request sent. Contact details are shared once the other side accepts."))
            return redirect("docking:case", pk=case.pk)
    return redirect("supply:achievement_detail", pk=pk)


@login_required
def my_achievements(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.my_achievements(user=request.user))
    return render(request, "supply/my_achievements.html", {
        "page": page, "memberships": user_memberships(user=request.user),
    })


def _edit_page(request: HttpRequest, *, organisation, achievement=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    if request.method == "POST":
        form = AchievementForm(request.POST)
        formset = IPAssetFormSet(request.POST, prefix="ip")
    else:
        form = AchievementForm(initial=AchievementForm.initial_for(achievement) if achievement else {
            "language": request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("zh-hans", "zh-hant", "en", "ru") else "zh-hans",
            "contact_name": request.user.full_name, "contact_email": request.user.email,
        })
        initial_assets = [
            {"ip_type": a.ip_type, "number": a.number, "jurisdiction": a.jurisdiction, "status": a.status,
             "filing_date": a.filing_date, "grant_date": a.grant_date}
            for a in achievement.ip_assets.all()
        ] if achievement else []
        formset = IPAssetFormSet(initial=initial_assets, prefix="ip")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.to_data(ip_assets_from(formset))
        try:
            if achievement is None:
                saved = services.achievement_create(actor=request.user, organisation=organisation, data=data)
            else:
                saved = services.achievement_update(actor=request.user, achievement=achievement, data=data)
        except DomainError as exc:
            _place_errors(exc, form, formset)
        else:
            messages.success(request, _("Saved."))
            return redirect("supply:achievement_detail", pk=saved.pk)
    return render(request, "supply/achievement_form.html", {
        "form": form, "formset": formset, "organisation": organisation, "achievement": achievement,
    })


def _place_errors(exc: DomainError, form: AchievementForm, formset) -> None:  # type: ignore[no-untyped-def]
    """Put a service's field errors where the person typed: the form, or the IP-asset row."""
    rows = [f for f in formset.forms if f.cleaned_data.get("ip_type")]
    placed = False
    for key, errors in exc.fields.items():
        parts = key.split(".")
        for error in errors:
            if parts[0] == "ip_assets" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                row.add_error(parts[2] if parts[2] in row.fields else None, error)
                placed = True
            elif key in form.fields:
                form.add_error(key, error)
                placed = True
    if not placed:
        form.add_error(None, exc.message)


@login_required
def achievement_create(request: HttpRequest) -> HttpResponse:
    memberships = list(user_memberships(user=request.user))
    org_id = request.GET.get("organisation") or request.POST.get("organisation")
    choices = [m.organisation for m in memberships]
    organisation = next((o for o in choices if str(o.pk) == str(org_id)), choices[0] if len(choices) == 1 else None)
    if organisation is None and org_id and account_policies.is_operator(request.user):
        try:
            organisation = organisation_get(user=request.user, pk=int(org_id))
        except (DomainError, ValueError):
            organisation = None
    if organisation is None:
        if not choices:
            messages.error(request, _("Join your institution on the platform first; achievements belong to an institution."))
            return redirect("accounts:profile")
        return render(request, "supply/choose_organisation.html", {"organisations": choices})
    if not policies.can_create_achievement_for(request.user, organisation):
        return permission_denied(request)
    return _edit_page(request, organisation=organisation)


@login_required
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    if not policies.can_edit_achievement(request.user, achievement):
        return permission_denied(request)
    return _edit_page(request, organisation=achievement.organisation, achievement=achievement)


@login_required
def screening_queue(request: HttpRequest) -> HttpResponse:
    if not policies.can_screen(request.user):
        return permission_denied(request)
    page = paginate(request, selectors.screening_queue(user=request.user))
    return render(request, "supply/screening_queue.html", {"page": page})


def expert_directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    field_code = request.GET.get("field", "")
    page = paginate(request, selectors.expert_directory(user=request.user, q=q, field_code=field_code))
    from duijie.taxonomy.selectors import top_level_fields

    return render(request, "supply/expert_directory.html", {
        "page": page, "q": q, "field": field_code, "fields": top_level_fields(request.user),
        "querystring": query_without_page(request),
    })


def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        expert = selectors.expert_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    achievements = selectors.hall_base(user=request.user).filter(experts=expert).order_by("-published_at")[:10]
    return render(request, "supply/expert_detail.html", {
        "expert": expert, "cards": [localised(a) for a in achievements],
    })


def institution(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        organisation = organisation_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    showcase = selectors.institution_showcase(user=request.user, organisation=organisation)
    return render(request, "supply/institution.html", {
        "organisation": organisation, **showcase, "cards": [localised(a) for a in showcase["achievements"]],
    })


def exhibition(request: HttpRequest, slug: str) -> HttpResponse:
    exhibition = get_object_or_404(selectors.exhibitions_visible_to(request.user), slug=slug)
    items = selectors.exhibition_items(user=request.user, exhibition=exhibition)
    return render(request, "supply/exhibition.html", {
        "exhibition": exhibition, "cards": [localised(a) for a in items],
    })


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    elif call_service(request, services.attachment_add, actor=request.user, achievement=achievement, upload=upload):
        messages.success(request, _("File added."))
    return redirect("supply:achievement_edit", pk=pk)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    achievement = _get(request, pk)
    attachment = get_object_or_404(achievement.attachments.all(), pk=attachment_pk)
    if call_service(request, services.attachment_remove, actor=request.user, attachment=attachment, default=True):
        messages.success(request, _("File removed."))
    return redirect("supply:achievement_edit", pk=pk)


# --- Bulk import ----------------------------------------------------------------------------------

# This section's own imports (it was appended to the module as a unit).
from duijie.supply import imports  # noqa: E402
from duijie.supply.forms import ImportForm  # noqa: E402

RECENT_IMPORT_JOBS = 10


def _import_organisations(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The institutions the person may import for: theirs; an operator also the one named in the URL."""
    org_id = request.GET.get("organisation") or request.POST.get("organisation") or ""
    return selectors.contributable_organisations(user=request.user, extra_id=int(org_id) if org_id.isdigit() else None)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a spreadsheet of achievements (dry run or import); templates; the person's recent jobs."""
    organisations = _import_organisations(request)
    if not organisations:
        messages.error(request, _("Join your institution on the platform first; achievements belong to an institution."))
        return redirect("accounts:profile")
    form = ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        job = call_service(
            request, imports.import_job_start, form=form, actor=request.user,
            organisation=form.cleaned_data["organisation"], upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
        )
        if job is not None:
            return redirect("supply:import_job", pk=job.pk)
    jobs = imports.import_jobs_visible_to(request.user).filter(created_by=request.user)[:RECENT_IMPORT_JOBS]
    return render(request, "supply/import.html", {
        "form": form, "jobs": [(job, imports.job_summary(job)) for job in jobs],
        "columns": imports.COLUMNS,
    })


def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The import template with Chinese (``?lang=zh``, the default) or English (``?lang=en``) headers."""
    language = "en" if request.GET.get("lang") == "en" else "zh"
    if fmt == "xlsx":
        response = HttpResponse(imports.template_xlsx(language), content_type=imports.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(imports.template_csv(language), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="duijie-import-template-{language}.{fmt}"'
    return response


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a job stands; htmx asks for the status part every second while it runs."""
    try:
        job = imports.import_job_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    context = {
        "job": job, "summary": imports.job_summary(job), "active": imports.job_is_active(job),
        "problems": job.report.get("problems", []), "problem_count": job.report.get("problem_count", 0),
        "can_confirm": imports.job_can_confirm(request.user, job),
    }
    template = "supply/_import_job_status.html" if request.htmx else "supply/import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the file of a clean dry run without uploading it again."""
    try:
        job = imports.import_job_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    new_job = call_service(request, imports.import_job_confirm, actor=request.user, job=job)
    return redirect("supply:import_job", pk=new_job.pk if new_job else pk)
