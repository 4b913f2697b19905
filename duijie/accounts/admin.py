from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from duijie.accounts import services
from duijie.accounts.enums import PlatformRole
from duijie.accounts.models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User
from duijie.core.admin import AuditedAdmin
from duijie.core.errors import DomainError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["joined_at"]


def _role_action(role: str, label: Any):  # type: ignore[no-untyped-def]
    def action(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            try:
                services.user_set_platform_role(actor=request.user, user=user, role=role)
            except DomainError as exc:
                modeladmin.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
    action.__name__ = f"set_role_{role or 'none'}"
    action.short_description = label  # type: ignore[attr-defined]
    return action


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "platform_role", "email_verified_at", "is_active", "date_joined"]
    list_filter = ["platform_role", "is_active", "is_staff", "preferred_language"]
    search_fields = ["email", "full_name", "phone"]
    # The platform role changes only through the actions below, so that it is audited.
    readonly_fields = ["platform_role", "last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("full_name", "job_title", "phone", "preferred_language")}),
        (_("Platform"), {"fields": ("platform_role", "email_verified_at", "is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    actions = [
        _role_action(PlatformRole.OPERATOR, _("Make operator")),
        _role_action(PlatformRole.BROKER, _("Make technology broker")),
        _role_action(PlatformRole.COMMISSIONER, _("Make technology commissioner")),
        _role_action(PlatformRole.NONE, _("Remove platform role")),
    ]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "name_en", "kind", "country", "region", "uscc", "is_verified", "status"]
    list_filter = ["kind", "is_verified", "status", "country"]
    search_fields = ["name", "name_en", "uscc", "registration_number"]
    autocomplete_fields = ["country", "region"]
    inlines = [MembershipInline]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "role", "joined_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = ["organisation", "email", "role", "created_by", "expires_at", "use_count", "max_uses", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["organisation__name", "email"]
    readonly_fields = ["token_hash", "use_count", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created from the organisation's members page, which shows the link once


@admin.register(JoinRequest)
class JoinRequestAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "organisation__name"]
    readonly_fields = ["decided_by", "decided_at", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "name", "prefix"]
    readonly_fields = ["user", "name", "prefix", "token_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created by their owners on the profile page
