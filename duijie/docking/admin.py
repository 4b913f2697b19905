from django.contrib import admin

from duijie.core.admin import AuditedAdmin
from duijie.docking.models import DockingRequest


@admin.register(DockingRequest)
class DockingRequestAdmin(AuditedAdmin):
    list_display = ["created_at", "requester", "requester_organisation", "achievement", "cooperation_mode", "status"]
    list_filter = ["status", "cooperation_mode"]
    search_fields = ["requester__email", "achievement__title", "message"]
    readonly_fields = ["requester", "requester_organisation", "achievement", "cooperation_mode", "message", "status",
                       "created_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
