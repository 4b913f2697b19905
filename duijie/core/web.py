"""Small helpers that keep page views thin and uniform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from duijie.core.errors import DomainError

T = TypeVar("T")


def call_service(
    request: HttpRequest, fn: Callable[..., T], *, form: forms.Form | None = None, default: Any = None,
    flash_fields: bool = False, **kwargs: Any
) -> T | None:
    """Call a service; on a DomainError show its message (on the form's fields where it names
    them, else as a flash message) and return None. The service's transaction rolled back.

    ``flash_fields``: with no form to show again (a side form answered by a redirect), the flash
    message carries each field's reason too."""
    try:
        result = fn(**kwargs)
        # Services that return nothing still succeeded: answer ``default`` (truthy) then.
        return default if result is None and default is not None else result
    except DomainError as exc:
        placed = False
        if form is not None:
            for field, errors in exc.fields.items():
                if field in form.fields:
                    for error in errors:
                        form.add_error(field, error)
                    placed = True
            if not placed:
                form.add_error(None, exc.message)
                placed = True
        if not placed:
            details = [str(m) for field_messages in exc.fields.values() for m in field_messages] if flash_fields else []
            messages.error(request, " ".join([str(exc.message), *details]) if details else exc.message)
        return None
