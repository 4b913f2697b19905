from django.contrib import admin

from duijie.core.admin import AuditedAdmin
from duijie.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__email", "title"]
    readonly_fields = ["recipient", "kind", "title", "body", "url", "created_at", "read_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
