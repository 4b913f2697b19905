"""Platform-wide reads: the audit log (operators only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from duijie.accounts import policies
from duijie.core.models import AuditEvent


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    if not policies.can_view_audit_log(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("actor")


def audit_event_list(*, user: Any, action: str = "", query: str = "") -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if action:
        qs = qs.filter(action=action)
    if query:
        qs = qs.filter(Q(actor_email__icontains=query) | Q(target_repr__icontains=query))
    return qs.order_by("-created_at", "-id")
