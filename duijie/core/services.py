"""Platform-wide writes: the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from duijie.core.enums import AuditAction
from duijie.core.middleware import client_ip, current_request
from duijie.core.models import AuditEvent


def audit_record(
    *,
    action: AuditAction | str,
    actor: Any = None,
    actor_email: str = "",
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one audit event. The request (for IP and browser) defaults to the current one."""
    request = request or current_request()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email)[:254],
        detail=detail or {},
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:255],
    )
    if target is not None:
        event.target_type = target._meta.label
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:255]
    event.save()
    return event
