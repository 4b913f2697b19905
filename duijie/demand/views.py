from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.core.errors import DomainError
from duijie.core.pagination import paginate, query_without_page
from duijie.core.views import permission_denied
from duijie.core.web import call_service
from duijie.demand import policies, selectors, services
from duijie.demand.forms import DemandForm, TransitionForm
from duijie.demand.models import Demand
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
        "next_step": NEXT_STEP.get(demand.status, "") if view.privileged else "",
        "brokers": selectors.brokers_available(user=request.user),
        "terms_version": policies.TERMS_VERSION,
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
