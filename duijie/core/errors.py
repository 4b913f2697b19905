"""The one application error type. Views and the API turn it into a clear response."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is translatable and shown to the user.

    ``code`` is a stable machine-readable identifier (used by the API), ``fields`` maps
    form/schema field names to lists of messages, and ``status`` is the HTTP status the
    API answers with.
    """

    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str = "invalid",
        fields: dict[str, list[Any]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status is not None:
            self.status = status
        elif code == "validation_error":
            # The same status as a request that fails the API's schema validation.
            self.status = 422


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: Any = None, *, code: str = "permission_denied") -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("You do not have permission to do this."), code=code)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: Any = None, *, code: str = "not_found") -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("Not found."), code=code)
