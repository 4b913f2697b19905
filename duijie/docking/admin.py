from django.contrib import admin

from duijie.core.admin import AuditedAdmin
from duijie.docking.models import (
    BrokerCertificate,
    BrokerProfile,
    CalendarDay,
    CooperationIntent,
    DockingRequest,
    TrainingRecord,
)


@admin.register(DockingRequest)
class DockingRequestAdmin(AuditedAdmin):
    """Read-only: cases move through their page and the API, where each move writes its history."""

    list_display = ["created_at", "requester", "target_kind", "status", "broker", "last_activity_at"]
    list_filter = ["status", "target_kind", "origin"]
    search_fields = ["requester__email", "achievement__title", "demand__title", "expert__name", "message"]
    readonly_fields = [f.name for f in DockingRequest._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CertificateInline(admin.TabularInline):
    model = BrokerCertificate
    extra = 0


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0


@admin.register(BrokerProfile)
class BrokerProfileAdmin(AuditedAdmin):
    list_display = ["user", "level", "organisation", "is_public", "accepts_cases"]
    list_filter = ["level", "is_public", "accepts_cases"]
    search_fields = ["user__full_name", "user__email"]
    filter_horizontal = ["fields", "regions"]
    inlines = [CertificateInline, TrainingInline]


@admin.register(CooperationIntent)
class CooperationIntentAdmin(AuditedAdmin):
    list_display = ["signed_on", "supply_party", "demand_party", "event_name", "estimated_amount", "currency"]
    search_fields = ["supply_party", "demand_party", "event_name", "scope"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    """Holidays and make-up working days beyond (or instead of) the packaged PRC schedule."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
