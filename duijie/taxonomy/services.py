"""Writes to reference data: operators only, validated, audited like every back-office edit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from duijie.accounts import policies
from duijie.core.enums import AuditAction
from duijie.core.errors import DomainError, PermissionDenied
from duijie.core.services import audit_record


@transaction.atomic
def reference_save(*, actor: Any, obj: models.Model, changed: list[str] | None = None) -> models.Model:
    """Create or update one reference row. Side effects: an audit event."""
    if not policies.is_operator(actor):
        raise PermissionDenied(_("Only operators edit reference data."))
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="validation_error") from exc
    adding = obj.pk is None
    obj.save()
    audit_record(
        action=AuditAction.ADMIN_ADDED if adding else AuditAction.ADMIN_CHANGED,
        actor=actor, target=obj, detail={"fields": changed or []},
    )
    return obj
