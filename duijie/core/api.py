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
    """The browser session of a signed-in user (unsafe methods need the CSRF token).

    Without a signed-in session there is nothing to protect from cross-site requests, so the
    CSRF check is skipped and the caller gets the 401 of an anonymous request instead of a 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


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


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translated sentence for a schema error (pydantic's own text is English only)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_type", "float_parsing", "decimal_type", "decimal_parsing"}:
        return _("Enter a number.")
    if kind in {"bool_type", "bool_parsing"}:
        return _("Enter true or false.")
    if kind in {"string_type", "string_unicode"}:
        return _("Enter text.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter a value of at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter a value of at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt", ""))}
    if kind == "string_too_long":
        return _("Enter at most %(limit)s characters.") % {"limit": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return _("Enter at least %(limit)s characters.") % {"limit": ctx.get("min_length", "")}
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return _("The request body is not valid JSON of the expected shape.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    return _("Enter a valid value.")


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
            fields.setdefault(_location_to_field(list(error.get("loc", []))), []).append(_pydantic_message(error))
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
