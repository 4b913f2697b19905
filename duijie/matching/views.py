"""Pages of the matching app: verdicts and tracked openings of recommendations, the broker console."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duijie.core.errors import DomainError
from duijie.core.web import call_service
from duijie.matching import selectors, services
from duijie.matching.models import Surface, Verdict


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = fallback
    return redirect(target)


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    done = call_service(request, services.give_feedback, user=request.user, impression_id=pk,
                        verdict=request.POST.get("verdict", ""), reason=request.POST.get("reason", ""))
    if done is not None:
        messages.success(request, _("Thanks: marked “%(verdict)s”.") % {"verdict": Verdict(done.verdict).label})
    return _back(request, reverse("matching:console"))


@login_required
def open_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a recommendation, counting the click."""
    try:
        impression = services.record_click(user=request.user, impression_id=pk)
    except DomainError:
        raise Http404() from None
    if impression.surface == Surface.ACHIEVEMENT:
        return redirect("demand:detail", pk=impression.demand_id)
    if impression.expert_id is not None:
        return redirect("supply:expert_detail", pk=impression.expert_id)
    return redirect("supply:achievement_detail", pk=impression.achievement_id)


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """New high-scoring matches for the demands a broker is assigned to, since the last visit."""
    if not selectors.is_console_user(request.user):
        raise PermissionDenied(_("The matching console is for technology brokers and operators."))
    rows = selectors.console(user=request.user)
    for row in rows:
        services.log_impressions(user=request.user, surface=Surface.CONSOLE, recommendations=row.recommendations)
    previous = services.console_seen(user=request.user)
    return render(request, "matching/console.html", {"rows": rows, "previous": previous,
                                                     "new_total": sum(len(r.new) for r in rows)})


@login_required
def index_status(request: HttpRequest) -> HttpResponse:
    """The achievements index for operators: what it reflects, the last full build and its progress
    (htmx asks for the status part every second while a build runs)."""
    try:
        overview = selectors.index_overview(user=request.user)
    except DomainError:
        raise PermissionDenied(_("The matching index is for operators.")) from None
    template = "matching/_index_status.html" if request.htmx else "matching/index.html"
    return render(request, template, {"overview": overview, "build": overview.build,
                                      "active": overview.build.state == "running"})


@login_required
@require_POST
def index_rebuild(request: HttpRequest) -> HttpResponse:
    status = call_service(request, services.index_rebuild, actor=request.user)
    if status is not None:
        messages.success(request, _("The index is being rebuilt; matches keep coming from the current one meanwhile."))
    return redirect("matching:index")
