"""The baseline of ``duijie bench``: the cheapest response the full middleware stack can give."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
