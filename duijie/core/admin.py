"""The back office (Django admin). Every edit is written to the audit log, and edits of
domain objects go through the app's services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duijie.core.enums import AuditAction
from duijie.core.models import AuditEvent
from duijie.core.services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Base class for every back-office page: records additions, changes and deletions."""

    list_per_page = 50

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        audit_record(action=AuditAction.ADMIN_ADDED, actor=request.user, target=obj, request=request)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        audit_record(action=AuditAction.ADMIN_CHANGED, actor=request.user, target=obj,
                     detail={"change": message if isinstance(message, list | str) else str(message)},
                     request=request)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            audit_record(action=AuditAction.ADMIN_DELETED, actor=request.user, target=obj, request=request)
        return super().log_deletions(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "action", "actor_email", "target_repr", "ip_address"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_email", "target_repr", "target_id", "ip_address"]
    date_hierarchy = "created_at"
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
