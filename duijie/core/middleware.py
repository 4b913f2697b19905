"""Keeps the current request reachable for the audit log (IP address, browser)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "duijie_current_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


class ApiErrorFormatMiddleware:
    """Answers that Django or the router give for ``/api/`` before any endpoint runs (unknown
    path 404, wrong method 405) in the API's one error format instead of an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            if response.status_code == 404:
                body = {"code": "not_found", "message": _("Not found."), "fields": {}}
            else:
                body = {"code": "method_not_allowed", "message": _("This method is not allowed here."), "fields": {}}
            json_response = JsonResponse(body, status=response.status_code)
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response
