"""Readable, translated detail of an audit event."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duijie.accounts.enums import MembershipRole, OrganisationStatus, PlatformRole
from duijie.core.enums import AuditAction
from duijie.core.models import AuditEvent

register = template.Library()

HOW = {
    "created": lambda: _("created the organisation"),
    "invitation": lambda: _("accepted an invitation"),
    "join_request": lambda: _("request to join approved"),
}


def _role_label(action: str, value: Any) -> str:
    if value in (None, ""):
        return pgettext("role", "none")
    choices = PlatformRole if action == AuditAction.ROLE_CHANGED else MembershipRole
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _status_label(value: Any) -> str:
    try:
        return str(OrganisationStatus(value).label)
    except ValueError:
        return str(value)


@register.simple_tag
def audit_detail(event: AuditEvent) -> list[tuple[str, str]]:
    """``[(label, value), ...]`` for the audit log table, in the active language."""
    rows: list[tuple[str, str]] = []
    detail = event.detail or {}
    if "from" in detail or "to" in detail:
        rows.append((_("Role"), f"{_role_label(event.action, detail.get('from'))} → {_role_label(event.action, detail.get('to'))}"))
    if detail.get("how") in HOW:
        rows.append((_("How"), HOW[detail["how"]]()))
    if "is_verified" in detail:
        rows.append((_("Verified by the platform"), _("Yes") if detail["is_verified"] else _("No")))
    if isinstance(detail.get("status"), dict):
        status = detail["status"]
        rows.append((_("Status"), f"{_status_label(status.get('from'))} → {_status_label(status.get('to'))}"))
    if detail.get("fields"):
        rows.append((_("Fields"), ", ".join(str(f) for f in detail["fields"])))
    if detail.get("change"):
        from django.contrib.admin.models import LogEntry

        change = detail["change"]
        message = LogEntry(change_message=change if isinstance(change, str) else json.dumps(change))
        rows.append((_("Change"), message.get_change_message()))
    if detail.get("by_operator"):
        rows.append((_("By"), _("an operator, in the back office")))
    return rows
