from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from duijie.core.pagination import paginate
from duijie.notifications import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.notifications_for(request.user), per_page=30)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(i) for i in raw if i.isdigit()] if raw else None
    services.notifications_mark_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    return redirect("notifications:inbox")
