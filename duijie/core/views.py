from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from duijie.accounts import policies
from duijie.accounts.enums import OrganisationType
from duijie.accounts.selectors import organisation_counts_by_kind
from duijie.core.enums import AuditAction
from duijie.core.pagination import paginate, query_without_page
from duijie.core.selectors import audit_event_list
from duijie.taxonomy.selectors import top_level_fields


def home(request: HttpRequest) -> HttpResponse:
    counts = organisation_counts_by_kind(user=request.user)
    org_counts = [(label, counts.get(value, 0)) for value, label in OrganisationType.choices]
    return render(
        request,
        "core/home.html",
        {"org_counts": org_counts, "org_total": sum(counts.values()), "fields": top_level_fields()},
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Deployment probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready"
        return JsonResponse({"status": "error", "database": "unreachable", "detail": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not policies.can_view_audit_log(request.user):
        return permission_denied(request)
    action = request.GET.get("action", "")
    query = request.GET.get("q", "").strip()
    page = paginate(request, audit_event_list(user=request.user, action=action, query=query), per_page=50)
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "q": query,
         "querystring": query_without_page(request)},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was sent without a valid security token (often: the page was open too long)."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the failure may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({"request": request}), status=500)
