"""What every API endpoint shares: authentication, the one error format, the one pagination.

Error format (every non-2xx answer)::

    {"code": "validation_error", "message": "<translated sentence>", "fields": {"name": ["..."]}}

Page format (every list)::

    {"items": [...], "count": 42, "page": 1, "page_size": 20, "pages": 3}
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer, SessionAuth

from duijie.accounts.services import api_token_authenticate
from duijie.core.errors import DomainError


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dj_...``: a personal API token from the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is None:
            # A wrong token is an error, never a silent fall-back to anonymous.
            raise AuthenticationError()
        request.user = user
        return user


class CookieSessionAuth(SessionAuth):
    """The browser session of a signed-in user (unsafe methods need the CSRF token)."""


def allow_anonymous(request: HttpRequest) -> Any:
    """Last in the chain of public endpoints: anyone may call them, and selectors decide what they see."""
    return request.user if request.user.is_authenticated else AnonymousUser()


AUTH_REQUIRED = [TokenAuth(), CookieSessionAuth()]
AUTH_OPTIONAL = [TokenAuth(), CookieSessionAuth(), allow_anonymous]


class PagePagination(PaginationBase):
    """``?page=N&page_size=M`` (M at most ``API_PAGE_SIZE_MAX``) with a fixed output shape."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.API_PAGE_SIZE_MAX)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        count = queryset.count()
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[offset : offset + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
            "pages": max(1, math.ceil(count / pagination.page_size)),
        }


def error_response(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
                   fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


def _location_to_field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        fields = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        return error_response(api, request, exc.status, exc.code, str(exc.message), fields)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_location_to_field(list(error.get("loc", []))), []).append(str(error.get("msg", "")))
        return error_response(api, request, 422, "validation_error", _("The data sent is not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "not_authenticated",
                              _("Sign in or send a valid API token to use this endpoint."))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(DjangoPermissionDenied)
    def _denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "permission_denied", _("You do not have permission to do this."))

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        message = _("The CSRF token is missing or wrong.") if "CSRF" in str(exc) else str(exc)
        return error_response(api, request, exc.status_code, code, message)

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if settings.DEBUG:
            raise exc
        import logging

        logging.getLogger("duijie.api").exception("Unhandled API error")
        return error_response(api, request, 500, "server_error", _("Something went wrong on our side; please try again."))
